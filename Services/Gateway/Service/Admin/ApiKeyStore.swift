import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Partner API keys. The secret is random, shown once, and stored only as its SHA-256, computed
/// in this process (``ApiKeyDigest``), so the secret never travels to the database.
enum ApiKeyStore {
  /// The scopes a key may carry: each domain's read and write (``ERPDomain``, from the contracts),
  /// the webhooks' (``WebhookScope``), the special scopes handlers check themselves
  /// (``Caller/specialScopes``) and `admin` (users, roles and the audit trail).
  static let scopes = Set(ERPDomain.allCases.flatMap { [$0.readScope, $0.writeScope] })
    .union(WebhookScope.all).union(Caller.specialScopes).union([StaffRole.adminScope])

  static func issue(
    _ pool: ConnectionPool,
    _ request: Erp_Gateway_V1_IssueKeyRequest
  ) async throws
    -> Erp_Gateway_V1_IssuedKey
  {
    let name = request.name.trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty, name.count <= 100 else {
      throw RPCError(code: .invalidArgument, message: "name: 1 to 100 characters")
    }
    guard !request.scopes.isEmpty else {
      throw RPCError(
        code: .invalidArgument,
        message: "scopes: at least one, as \"<domain>:read\" or \"<domain>:write\""
      )
    }
    for (index, scope) in request.scopes.enumerated() {
      guard Self.scopes.contains(scope) else {
        throw RPCError(
          code: .invalidArgument,
          message: "scopes[\(index)]: \(quoted(scope)) is not <domain>:read or <domain>:write "
            + "(domains: \(ERPDomain.allCases.map(\.rawValue).sorted().joined(separator: ", "))) "
            + "or webhooks:read or webhooks:write"
        )
      }
    }
    guard request.ratePerSecond >= 0, request.burst >= 0 else {
      throw RPCError(code: .invalidArgument, message: "rate_per_second: must not be negative")
    }
    let origins = try CORSOrigins.validated(request.allowedOrigins)
    let tenant = try await TenantRegistry.get(pool, request.tenantID)
    guard tenant.status != .provisioning else {
      throw RPCError(
        code: .failedPrecondition,
        message: "tenant_id: \(request.tenantID) is still provisioning"
      )
    }
    let id = "key_" + Self.randomHex(bytes: 6)
    let secret = "erpk_" + Self.randomHex(bytes: 20)
    let rate = request.ratePerSecond == 0 ? 20 : Int(request.ratePerSecond)
    let burst = request.burst == 0 ? rate * 2 : Int(request.burst)
    try await pool.withSession { session in
      try await session.query(
        """
        INSERT INTO gateway.api_key (id, tenant_id, name, secret_hash, scopes, expires_at,
          rate_per_second, burst, allowed_origins)
        VALUES ($1, $2, $3, $4::bytea, $5::text[],
          CASE WHEN $6::bigint = 0 THEN NULL ELSE to_timestamp($6::bigint) END, $7, $8,
          $9::text[])
        """,
        [
          id, request.tenantID, name, ApiKeyDigest(secret: secret).byteaText, request.scopes,
          request.expiresAt, rate, burst, origins,
        ]
      )
    }
    var issued = Erp_Gateway_V1_IssuedKey()
    issued.key = try await Self.list(pool, tenant: request.tenantID).first { $0.id == id }!
    issued.secret = secret
    return issued
  }

  static func list(_ pool: ConnectionPool, tenant: String) async throws -> [Erp_Gateway_V1_ApiKey] {
    try await pool.withSession { session in
      try await session.query(
        "SELECT \(Self.columns) FROM gateway.api_key WHERE tenant_id = $1 ORDER BY created_at, id",
        [tenant]
      )
    }.map(Self.key)
  }

  static func revoke(_ pool: ConnectionPool, id: String) async throws -> Erp_Gateway_V1_ApiKey {
    let rows = try await pool.withSession { session in
      try await session.query(
        "UPDATE gateway.api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING \(Self.columns)",
        [id]
      )
    }
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "id: no key \(quoted(id))")
    }
    return try Self.key(row)
  }

  /// What a presented secret is allowed, or nil for no such key.
  struct Grant: Sendable {
    var keyID: String
    var tenant: String
    var scopes: Set<String>
    var expired: Bool
    var revoked: Bool
    var tenantStatus: String
    var ratePerSecond: Int
    var burst: Int
    /// Web origins whose pages may call with the key (CORS, the JSON door).
    var allowedOrigins: Set<String> = []
    /// The staff session this grant is made from, if it is one (``StaffSessions``).
    var session: IdentityCall.Session? = nil

    /// What the credential is called in an answer, and who holds its scopes.
    var noun: String { self.session == nil ? "key" : "session" }
    var holder: String { self.session == nil ? "key" : "user" }
  }

  static func grant(_ pool: ConnectionPool, digest: ApiKeyDigest) async throws -> Grant? {
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT k.id, k.tenant_id, k.scopes, coalesce(k.expires_at <= now(), false) AS expired,
          k.revoked_at IS NOT NULL AS revoked, t.status, k.rate_per_second, k.burst,
          k.allowed_origins
        FROM gateway.api_key k JOIN gateway.tenant t ON t.id = k.tenant_id
        WHERE k.secret_hash = $1::bytea
        """,
        [digest.byteaText]
      )
    }
    guard let row = rows.first else { return nil }
    return Grant(
      keyID: try row.decode("id"),
      tenant: try row.decode("tenant_id"),
      scopes: Set(try row.decode("scopes", as: [String].self)),
      expired: try row.decode("expired"),
      revoked: try row.decode("revoked"),
      tenantStatus: try row.decode("status"),
      ratePerSecond: try row.decode("rate_per_second"),
      burst: try row.decode("burst"),
      allowedOrigins: Set(try row.decode("allowed_origins", as: [String].self))
    )
  }

  private static let columns = """
    id, tenant_id, name, scopes, coalesce(extract(epoch FROM expires_at)::bigint, 0) AS expires_at,
    revoked_at IS NOT NULL AS revoked, rate_per_second, burst, allowed_origins
    """

  private static func key(_ row: PostgresRow) throws -> Erp_Gateway_V1_ApiKey {
    var key = Erp_Gateway_V1_ApiKey()
    key.id = try row.decode("id")
    key.tenantID = try row.decode("tenant_id")
    key.name = try row.decode("name")
    key.scopes = try row.decode("scopes")
    key.expiresAt = try row.decode("expires_at")
    key.revoked = try row.decode("revoked")
    key.ratePerSecond = try row.decode("rate_per_second")
    key.burst = try row.decode("burst")
    key.allowedOrigins = try row.decode("allowed_origins")
    return key
  }

  private static func randomHex(bytes: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<bytes).map { _ in
      let byte = UInt8.random(in: 0...255, using: &generator)
      return String(byte, radix: 16).count == 1
        ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
    }.joined()
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Signing in: the email's lock first, then the password (bcrypt; a decoy hash when there is no
/// such user, so that both answers take as long), then the second factor, then a new session.
/// An unknown email, a user not active and a wrong password are one answer, and each counts
/// against the email's lock (`gateway.sign_in_lock`, kept for emails that name no user too, so
/// that a lockout tells nothing either): after `maxFailures` failures within the lockout time
/// the email is locked for the lockout time, RESOURCE_EXHAUSTED with the unlock time in the
/// message and `retry-after-ms` in the trailers (the same code and trailer the gateway's other
/// throttles answer, which clients already back off on; UNAVAILABLE would invite an automatic
/// retry). The failures per source address are the access check's (``GatewayAccessInterceptor``).
/// Every attempt is in the audit log.
struct SignIn: Sendable {
  static let method = "erp.gateway.v1.Identity/SignIn"
  static let wrong = RPCError(code: .unauthenticated, message: "email or password is wrong")

  let pool: ConnectionPool
  let settings: IdentitySettings
  let audit: AuditLog

  struct Account {
    var id: String
    var status: String
    var passwordHash: String?
    var totpSecret: String?
    var recoveryHashes: [String]
  }

  func callAsFunction(
    tenant: String,
    _ request: Erp_Gateway_V1_SignInRequest,
    source: String
  ) async throws -> Erp_Gateway_V1_SignInResponse {
    let email = try StaffText.email(request.email)
    let started = ContinuousClock.now
    let now = self.settings.clock.now(tenant)
    try await self.refuseIfLocked(tenant: tenant, email: email, now: now)
    let account = try await self.account(tenant: tenant, email: email)
    let verified = try await Passwords.verify(
      request.password,
      hash: account?.passwordHash ?? Passwords.decoy(cost: self.settings.bcryptCost)
    )
    guard let account, account.status == "active", account.passwordHash != nil, verified else {
      try await self.failed(tenant: tenant, email: email, user: account?.id, now: now, started)
      throw Self.wrong
    }
    if let secret = account.totpSecret {
      guard !request.totpCode.isEmpty else {
        throw RPCError(code: .unauthenticated, message: "totp_code: required for this user")
      }
      guard try await self.secondFactor(request.totpCode, secret: secret, account, now: now)
      else {
        try await self.failed(tenant: tenant, email: email, user: account.id, now: now, started)
        throw RPCError(code: .unauthenticated, message: "totp_code: wrong or already used")
      }
    }
    try await self.pool.withSession { session in
      try await session.query(
        "DELETE FROM gateway.sign_in_lock WHERE tenant_id = $1 AND email = $2",
        [tenant, email]
      )
    }
    let made = try await StaffSessions.create(
      self.pool,
      tenant: tenant,
      user: account.id,
      source: source,
      settings: self.settings
    )
    self.record(tenant: tenant, who: "user:\(account.id)", code: "OK", started)
    var response = Erp_Gateway_V1_SignInResponse()
    response.sessionToken = made.token
    response.sessionID = made.id
    response.idleExpiresAt = StaffText.timestamp(made.idle)
    response.expiresAt = StaffText.timestamp(made.expires)
    response.user = try await self.pool.withSession { session in
      try await StaffDirectory.get(session, tenant: tenant, id: account.id)
    }
    return response
  }

  private func refuseIfLocked(tenant: String, email: String, now: Date) async throws {
    let rows = try await self.pool.withSession { session in
      try await session.query(
        """
        SELECT extract(epoch FROM locked_until)::float8::text AS until
        FROM gateway.sign_in_lock
        WHERE tenant_id = $1 AND email = $2 AND locked_until > to_timestamp($3::float8)
        """,
        [tenant, email, StaffText.epoch(now)]
      )
    }
    guard let row = rows.first else { return }
    let until = StaffText.date(try row.decode("until"))
    var trailers = Metadata()
    let wait = max(1, Int((until.timeIntervalSince(now) * 1000).rounded(.up)))
    trailers.addString(String(wait), forKey: "retry-after-ms")
    throw RPCError(
      code: .resourceExhausted,
      message: "email: sign-in is locked after \(self.settings.maxFailures) failed attempts "
        + "until \(until.formatted(.iso8601))",
      metadata: trailers
    )
  }

  private func account(tenant: String, email: String) async throws -> Account? {
    let rows = try await self.pool.withSession { session in
      try await session.query(
        """
        SELECT id, status, password_hash, totp_secret, recovery_hashes
        FROM gateway.staff_user WHERE tenant_id = $1 AND email = $2
        """,
        [tenant, email]
      )
    }
    guard let row = rows.first else { return nil }
    return Account(
      id: try row.decode("id"),
      status: try row.decode("status"),
      passwordHash: try row.decodeIfPresent("password_hash"),
      totpSecret: try row.decodeIfPresent("totp_secret"),
      recoveryHashes: try row.decode("recovery_hashes")
    )
  }

  /// A TOTP code of the secret, or one of the unused recovery codes (used up here).
  private func secondFactor(
    _ code: String,
    secret: String,
    _ account: Account,
    now: Date
  ) async throws -> Bool {
    if SecondFactor.accepts(code, secret: secret, at: now) { return true }
    let digest = StaffSecret.recoveryDigest(code)
    guard account.recoveryHashes.contains(digest) else { return false }
    let rows = try await self.pool.withSession { session in
      try await session.query(
        """
        UPDATE gateway.staff_user SET recovery_hashes = array_remove(recovery_hashes, $2)
        WHERE id = $1 AND $2 = ANY (recovery_hashes) RETURNING id
        """,
        [account.id, digest]
      )
    }
    return !rows.isEmpty
  }

  /// Counts a failure against the email; the one that reaches the bound locks it.
  private func failed(
    tenant: String,
    email: String,
    user: String?,
    now: Date,
    _ started: ContinuousClock.Instant
  ) async throws {
    try await self.pool.withSession { session in
      try await session.query(
        """
        INSERT INTO gateway.sign_in_lock AS l (tenant_id, email, failures, last_failure_at)
        VALUES ($1, $2, 1, to_timestamp($3::float8))
        ON CONFLICT (tenant_id, email) DO UPDATE SET
          failures = CASE
            WHEN l.last_failure_at <= to_timestamp($3::float8 - $5::float8) THEN 1
            WHEN l.failures + 1 >= $4 THEN 0 ELSE l.failures + 1 END,
          locked_until = CASE
            WHEN l.last_failure_at > to_timestamp($3::float8 - $5::float8)
              AND l.failures + 1 >= $4
            THEN to_timestamp($3::float8 + $5::float8) ELSE l.locked_until END,
          last_failure_at = to_timestamp($3::float8)
        """,
        [
          tenant, email, StaffText.epoch(now), self.settings.maxFailures,
          String(self.settings.lockout),
        ]
      )
    }
    self.record(
      tenant: tenant,
      who: user.map { "user:\($0)" } ?? "email:\(email)",
      code: "UNAUTHENTICATED",
      started
    )
  }

  private func record(tenant: String, who: String, code: String, _ started: ContinuousClock.Instant)
  {
    self.audit.record(
      AuditLog.Row(
        keyID: who,
        tenant: tenant,
        method: Self.method,
        code: code,
        milliseconds: GatewayAccessInterceptor.milliseconds(started.duration(to: .now)),
        at: Date()
      )
    )
  }
}

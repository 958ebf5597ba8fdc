import ERPProtos
import ERPStore
import Foundation
import GRPCCore

/// Staff sessions (`gateway.staff_session`): an opaque random token stored as its SHA-256, an
/// idle expiry (from the last call) and an absolute one (from sign-in), revocable by the user and
/// the admin. Read on every call (``principal(_:digest:)``): no cache, so a revocation or a
/// deactivation holds from the next call on, on every replica.
enum StaffSessions {
  /// Who a presented session token speaks for, as the access check needs it.
  struct Principal: Sendable {
    var sessionID: String
    var userID: String
    var tenant: String
    var tenantStatus: String
    var userStatus: String
    var roles: RoleGrant
    var revoked: Bool
    var lastSeen: Date
    var expires: Date
  }

  struct CustomRole: Decodable {
    var n: String
    var s: [String]
    var o: Bool
  }

  static func create(
    _ pool: ConnectionPool,
    tenant: String,
    user: String,
    source: String,
    settings: IdentitySettings
  ) async throws -> (token: String, id: String, idle: Date, expires: Date) {
    let token = StaffSecret.make(StaffSecret.sessionPrefix)
    let id = "ses_" + StaffSecret.hex(bytes: 8)
    let now = settings.clock.now(tenant)
    let expires = now.addingTimeInterval(settings.sessionMaximum)
    try await pool.withSession { session in
      try await session.query(
        """
        INSERT INTO gateway.staff_session (id, token_hash, tenant_id, user_id, created_at,
          last_seen_at, expires_at, source_address)
        VALUES ($1, $2::bytea, $3, $4, to_timestamp($5::float8), to_timestamp($5::float8),
          to_timestamp($6::float8), $7)
        """,
        [
          id, ApiKeyDigest(secret: token).byteaText, tenant, user, StaffText.epoch(now),
          StaffText.epoch(expires), String(source.prefix(100)),
        ]
      )
    }
    return (token, id, min(now.addingTimeInterval(settings.sessionIdle), expires), expires)
  }

  static func principal(_ pool: ConnectionPool, digest: ApiKeyDigest) async throws -> Principal? {
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT s.id, s.user_id, s.tenant_id, t.status AS tenant_status, u.status AS user_status,
          u.roles, s.revoked_at IS NOT NULL AS revoked,
          extract(epoch FROM s.last_seen_at)::float8::text AS seen,
          extract(epoch FROM s.expires_at)::float8::text AS expires,
          coalesce((SELECT json_agg(json_build_object('n', r.name, 's', r.scopes,
            'o', r.own_records_only)) FROM gateway.staff_role r
            WHERE r.tenant_id = s.tenant_id AND r.name = ANY (u.roles)), '[]')::text AS custom
        FROM gateway.staff_session s
          JOIN gateway.staff_user u ON u.id = s.user_id
          JOIN gateway.tenant t ON t.id = s.tenant_id
        WHERE s.token_hash = $1::bytea
        """,
        [digest.byteaText]
      )
    }
    guard let row = rows.first else { return nil }
    let custom = try JSONDecoder().decode(
      [CustomRole].self,
      from: Data(try row.decode("custom", as: String.self).utf8)
    ).map { StaffRole(name: $0.n, scopes: Set($0.s), ownRecordsOnly: $0.o) }
    let names: [String] = try row.decode("roles")
    let roles = names.compactMap { name in
      StaffRole.builtInByName[name] ?? custom.first { $0.name == name }
    }
    return Principal(
      sessionID: try row.decode("id"),
      userID: try row.decode("user_id"),
      tenant: try row.decode("tenant_id"),
      tenantStatus: try row.decode("tenant_status"),
      userStatus: try row.decode("user_status"),
      roles: RoleGrant(roles: roles),
      revoked: try row.decode("revoked"),
      lastSeen: StaffText.date(try row.decode("seen")),
      expires: StaffText.date(try row.decode("expires"))
    )
  }

  /// Notes a call of the session (the idle expiry counts from it); written at most once a
  /// minute, so that a busy session does not write a row version per call.
  static func touch(_ pool: ConnectionPool, id: String, now: Date) async throws {
    try await pool.withSession { session in
      try await session.query(
        """
        UPDATE gateway.staff_session SET last_seen_at = to_timestamp($2::float8)
        WHERE id = $1 AND last_seen_at < to_timestamp($2::float8)
        """,
        [id, StaffText.epoch(now)]
      )
    }
  }

  static func revokeAll(_ session: PostgresSession, user: String, now: Date) async throws {
    try await session.query(
      """
      UPDATE gateway.staff_session SET revoked_at = to_timestamp($2::float8)
      WHERE user_id = $1 AND revoked_at IS NULL
      """,
      [user, StaffText.epoch(now)]
    )
  }

  /// Revokes session `id` of the tenant (and of `user`, when given); NOT_FOUND otherwise.
  static func revoke(
    _ pool: ConnectionPool,
    tenant: String,
    id: String,
    user: String?,
    now: Date
  ) async throws {
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        UPDATE gateway.staff_session SET revoked_at = coalesce(revoked_at, to_timestamp($4::float8))
        WHERE tenant_id = $1 AND id = $2 AND ($3 = '' OR user_id = $3) RETURNING id
        """,
        [tenant, id, user ?? "", StaffText.epoch(now)]
      )
    }
    guard !rows.isEmpty else {
      throw RPCError(code: .notFound, message: "session_id: no such session")
    }
  }

  /// Revokes every other session of `user` (after a password change).
  static func revokeOthers(
    _ pool: ConnectionPool,
    user: String,
    keeping id: String,
    now: Date
  ) async throws {
    try await pool.withSession { session in
      try await session.query(
        """
        UPDATE gateway.staff_session SET revoked_at = to_timestamp($3::float8)
        WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL
        """,
        [user, id, StaffText.epoch(now)]
      )
    }
  }

  /// The user's live sessions, newest first.
  static func list(
    _ pool: ConnectionPool,
    tenant: String,
    user: String,
    current: String?,
    settings: IdentitySettings
  ) async throws -> Erp_Gateway_V1_ListSessionsResponse {
    let now = settings.clock.now(tenant)
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT id, user_id, source_address,
          extract(epoch FROM created_at)::float8::text AS created,
          extract(epoch FROM last_seen_at)::float8::text AS seen,
          extract(epoch FROM expires_at)::float8::text AS expires
        FROM gateway.staff_session
        WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
          AND expires_at > to_timestamp($3::float8)
          AND last_seen_at > to_timestamp($3::float8 - $4::float8)
        ORDER BY created_at DESC LIMIT 100
        """,
        [tenant, user, StaffText.epoch(now), String(settings.sessionIdle)]
      )
    }
    var response = Erp_Gateway_V1_ListSessionsResponse()
    response.sessions = try rows.map { row in
      var session = Erp_Gateway_V1_Session()
      session.id = try row.decode("id")
      session.userID = try row.decode("user_id")
      session.sourceAddress = try row.decode("source_address")
      let seen = StaffText.date(try row.decode("seen"))
      let expires = StaffText.date(try row.decode("expires"))
      session.createdAt = StaffText.timestamp(StaffText.date(try row.decode("created")))
      session.lastSeenAt = StaffText.timestamp(seen)
      session.expiresAt = StaffText.timestamp(expires)
      session.idleExpiresAt = StaffText.timestamp(
        min(seen.addingTimeInterval(settings.sessionIdle), expires)
      )
      session.current = session.id == current
      return session
    }
    return response
  }
}

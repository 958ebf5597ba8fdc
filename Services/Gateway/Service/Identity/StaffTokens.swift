import ERPStore
import Foundation
import GRPCCore

/// Invitation and password-reset tokens (`gateway.staff_token`): stored as their SHA-256, with
/// an expiry, used once. Redeeming one sets the user's password in the same transaction that
/// marks the token used, so two redemptions of one token cannot both win.
enum StaffTokens {
  enum Kind: String, Sendable {
    case invitation
    case reset
  }

  static func insert(
    _ session: PostgresSession,
    token: String,
    kind: Kind,
    tenant: String,
    user: String,
    expires: Date
  ) async throws {
    try await session.query(
      """
      INSERT INTO gateway.staff_token (token_hash, kind, tenant_id, user_id, expires_at)
      VALUES ($1::bytea, $2, $3, $4, to_timestamp($5::float8))
      """,
      [
        ApiKeyDigest(secret: token).byteaText, kind.rawValue, tenant, user,
        StaffText.epoch(expires),
      ]
    )
  }

  /// A reset token for `user` of `tenant`.
  static func issueReset(
    _ pool: ConnectionPool,
    tenant: String,
    user: String,
    settings: IdentitySettings
  ) async throws -> (token: String, expires: Date) {
    let token = StaffSecret.make(StaffSecret.resetPrefix)
    let expires = settings.clock.now(tenant).addingTimeInterval(settings.resetLifetime)
    try await pool.withTransaction { session in
      _ = try await StaffDirectory.get(session, tenant: tenant, id: user)
      try await Self.insert(
        session,
        token: token,
        kind: .reset,
        tenant: tenant,
        user: user,
        expires: expires
      )
    }
    return (token, expires)
  }

  /// Redeems `token` of `kind`: sets the user's password hash (and activates an invited user),
  /// marks the token used and, for a reset, ends the user's sessions. Answers the user's tenant
  /// and id. Any token that is unknown, used, expired or of the other kind is the same
  /// UNAUTHENTICATED, naming `field`.
  static func redeem(
    _ pool: ConnectionPool,
    token: String,
    kind: Kind,
    passwordHash: String,
    clock: IdentityClock,
    field: String = "token"
  ) async throws -> (tenant: String, user: String) {
    let refused = RPCError(
      code: .unauthenticated,
      message: "\(field): unknown, already used or expired"
    )
    guard token.utf8.count <= 100 else { throw refused }
    return try await pool.withTransaction { session in
      let rows = try await session.query(
        """
        SELECT t.tenant_id, t.user_id, t.used_at IS NOT NULL AS used,
          extract(epoch FROM t.expires_at)::float8::text AS expires, u.status
        FROM gateway.staff_token t JOIN gateway.staff_user u ON u.id = t.user_id
        WHERE t.token_hash = $1::bytea AND t.kind = $2
        FOR UPDATE OF t
        """,
        [ApiKeyDigest(secret: token).byteaText, kind.rawValue]
      )
      guard let row = rows.first, !(try row.decode("used", as: Bool.self)) else { throw refused }
      let tenant: String = try row.decode("tenant_id")
      let user: String = try row.decode("user_id")
      let now = clock.now(tenant)
      guard StaffText.date(try row.decode("expires")) > now,
        try row.decode("status", as: String.self) != "deactivated"
      else { throw refused }
      try await session.query(
        "UPDATE gateway.staff_token SET used_at = to_timestamp($2::float8) WHERE token_hash = $1::bytea",
        [ApiKeyDigest(secret: token).byteaText, StaffText.epoch(now)]
      )
      try await session.query(
        """
        UPDATE gateway.staff_user SET password_hash = $2,
          status = CASE WHEN status = 'invited' THEN 'active' ELSE status END
        WHERE id = $1
        """,
        [user, passwordHash]
      )
      if kind == .reset { try await StaffSessions.revokeAll(session, user: user, now: now) }
      return (tenant, user)
    }
  }
}

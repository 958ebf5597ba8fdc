import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The `Identity` service: sign-in and the signed-in user's own account (see identity.proto).
/// The access check (``GatewayAccessInterceptor``) decides who may call which method and binds
/// ``IdentityCall``.
struct IdentityAPI: Erp_Gateway_V1_Identity.SimpleServiceProtocol {
  let pool: ConnectionPool
  let settings: IdentitySettings
  let audit: AuditLog

  func signIn(
    request: Erp_Gateway_V1_SignInRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_SignInResponse {
    let tenant = try RequestContext.requireTenant()
    return try await mappingStoreErrors {
      try await SignIn(pool: self.pool, settings: self.settings, audit: self.audit)(
        tenant: tenant.slug,
        request,
        source: IdentityCall.source
      )
    }
  }

  func signOut(
    request: Erp_Gateway_V1_SignOutRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_SignOutResponse {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    if let digest = IdentityCall.presented {
      _ = try await mappingStoreErrors {
        try await self.pool.withSession { session in
          try await session.query(
            """
            UPDATE gateway.staff_session SET revoked_at = now()
            WHERE token_hash = $1::bytea AND revoked_at IS NULL
            """,
            [digest.byteaText]
          )
        }
      }
    }
    return Erp_Gateway_V1_SignOutResponse()
  }

  func acceptInvitation(
    request: Erp_Gateway_V1_AcceptInvitationRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_AcceptInvitationResponse {
    try Passwords.check(request.password, field: "password")
    let hash = try await Passwords.hash(request.password, cost: self.settings.bcryptCost)
    return try await mappingStoreErrors {
      let redeemed = try await StaffTokens.redeem(
        self.pool,
        token: request.token,
        kind: .invitation,
        passwordHash: hash,
        clock: self.settings.clock
      )
      var response = Erp_Gateway_V1_AcceptInvitationResponse()
      response.user = try await self.pool.withSession { session in
        try await StaffDirectory.get(session, tenant: redeemed.tenant, id: redeemed.user)
      }
      return response
    }
  }

  func resetPassword(
    request: Erp_Gateway_V1_ResetPasswordRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ResetPasswordResponse {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    try Passwords.check(request.newPassword, field: "new_password")
    let hash = try await Passwords.hash(request.newPassword, cost: self.settings.bcryptCost)
    try await mappingStoreErrors {
      _ = try await StaffTokens.redeem(
        self.pool,
        token: request.token,
        kind: .reset,
        passwordHash: hash,
        clock: self.settings.clock
      )
    }
    return Erp_Gateway_V1_ResetPasswordResponse()
  }

  func me(
    request: Erp_Gateway_V1_MeRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_MeResponse {
    let current = try IdentityCall.requireSession()
    var response = Erp_Gateway_V1_MeResponse()
    response.user = try await mappingStoreErrors {
      try await self.pool.withSession { session in
        try await StaffDirectory.get(session, tenant: current.tenant, id: current.userID)
      }
    }
    response.scopes = current.scopes.sorted()
    response.sessionID = current.id
    response.ownRecordsOnly = current.ownRecordsOnly
    return response
  }

  func listMySessions(
    request: Erp_Gateway_V1_ListMySessionsRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListSessionsResponse {
    let current = try IdentityCall.requireSession()
    return try await mappingStoreErrors {
      try await StaffSessions.list(
        self.pool,
        tenant: current.tenant,
        user: current.userID,
        current: current.id,
        settings: self.settings
      )
    }
  }

  func revokeMySession(
    request: Erp_Gateway_V1_RevokeSessionRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_RevokeSessionResponse {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let current = try IdentityCall.requireSession()
    try await mappingStoreErrors {
      try await StaffSessions.revoke(
        self.pool,
        tenant: current.tenant,
        id: request.sessionID,
        user: current.userID,
        now: self.settings.clock.now(current.tenant)
      )
    }
    return Erp_Gateway_V1_RevokeSessionResponse()
  }

  func enrollTotp(
    request: Erp_Gateway_V1_EnrollTotpRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_EnrollTotpResponse {
    let current = try IdentityCall.requireSession()
    let secret = SecondFactor.newSecret()
    let email = try await mappingStoreErrors {
      try await self.pool.withSession { session in
        let rows = try await session.query(
          "UPDATE gateway.staff_user SET totp_pending = $2 WHERE id = $1 RETURNING email",
          [current.userID, secret]
        )
        return try rows.first?.decode("email", as: String.self) ?? ""
      }
    }
    var response = Erp_Gateway_V1_EnrollTotpResponse()
    response.secret = secret
    response.otpauthUri = SecondFactor.uri(secret: secret, account: email, issuer: "ERP")
    response.secretBase32 = SecondFactor.base32(ofURI: response.otpauthUri)
    return response
  }

  func confirmTotp(
    request: Erp_Gateway_V1_ConfirmTotpRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ConfirmTotpResponse {
    let current = try IdentityCall.requireSession()
    let now = self.settings.clock.now(current.tenant)
    let codes = SecondFactor.recoveryCodes()
    try await mappingStoreErrors {
      try await self.pool.withTransaction { session in
        let rows = try await session.query(
          "SELECT totp_pending FROM gateway.staff_user WHERE id = $1 FOR UPDATE",
          [current.userID]
        )
        guard let pending: String = try rows.first?.decodeIfPresent("totp_pending") else {
          throw RPCError(code: .failedPrecondition, message: "no TOTP enrolment: call EnrollTotp")
        }
        guard SecondFactor.accepts(request.code, secret: pending, at: now) else {
          throw RPCError(code: .invalidArgument, message: "code: not the code of the new secret")
        }
        try await session.query(
          """
          UPDATE gateway.staff_user SET totp_secret = totp_pending, totp_pending = NULL,
            recovery_hashes = $2::text[]
          WHERE id = $1
          """,
          [current.userID, codes.map(StaffSecret.recoveryDigest)]
        )
      }
    }
    var response = Erp_Gateway_V1_ConfirmTotpResponse()
    response.recoveryCodes = codes
    return response
  }

  func changePassword(
    request: Erp_Gateway_V1_ChangePasswordRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ChangePasswordResponse {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let current = try IdentityCall.requireSession()
    try Passwords.check(request.newPassword, field: "new_password")
    let stored = try await mappingStoreErrors {
      try await self.pool.withSession { session in
        try await session.query(
          "SELECT password_hash FROM gateway.staff_user WHERE id = $1",
          [current.userID]
        ).first?.decodeIfPresent("password_hash", as: String.self)
      }
    }
    guard let stored,
      try await Passwords.verify(request.currentPassword, hash: stored)
    else {
      throw RPCError(code: .invalidArgument, message: "current_password: wrong")
    }
    let hash = try await Passwords.hash(request.newPassword, cost: self.settings.bcryptCost)
    try await mappingStoreErrors {
      try await self.pool.withSession { session in
        try await session.query(
          "UPDATE gateway.staff_user SET password_hash = $2 WHERE id = $1",
          [current.userID, hash]
        )
      }
      try await StaffSessions.revokeOthers(
        self.pool,
        user: current.userID,
        keeping: current.id,
        now: self.settings.clock.now(current.tenant)
      )
    }
    return Erp_Gateway_V1_ChangePasswordResponse()
  }
}

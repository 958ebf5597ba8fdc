import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Users` service: a tenant's admin manages its users, roles and sessions (scope `admin`,
/// checked by ``GatewayAccessInterceptor``, which also writes each call to the audit log). The
/// tenant is the caller's.
struct UsersAPI: Erp_Gateway_V1_Users.SimpleServiceProtocol {
  let pool: ConnectionPool
  let settings: IdentitySettings

  private var tenant: String { get throws { try RequestContext.requireTenant().slug } }

  func inviteUser(
    request: Erp_Gateway_V1_InviteUserRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_Invitation {
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      try await StaffDirectory.invite(self.pool, tenant: tenant, request, settings: self.settings)
    }
  }

  func listUsers(
    request: Erp_Gateway_V1_ListUsersRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListUsersResponse {
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      try await StaffDirectory.list(self.pool, tenant: tenant, request)
    }
  }

  func deactivateUser(
    request: Erp_Gateway_V1_DeactivateUserRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_User {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      try await StaffDirectory.deactivate(
        self.pool,
        tenant: tenant,
        id: request.userID,
        now: self.settings.clock.now(tenant)
      )
    }
  }

  func setUserRoles(
    request: Erp_Gateway_V1_SetUserRolesRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_User {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      try await StaffDirectory.setRoles(
        self.pool,
        tenant: tenant,
        id: request.userID,
        roles: request.roles
      )
    }
  }

  func listRoles(
    request: Erp_Gateway_V1_ListRolesRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListRolesResponse {
    let tenant = try self.tenant
    var response = Erp_Gateway_V1_ListRolesResponse()
    response.roles = try await mappingStoreErrors {
      try await StaffDirectory.roles(self.pool, tenant: tenant).map(\.message)
    }
    return response
  }

  func putRole(
    request: Erp_Gateway_V1_PutRoleRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_Role {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      try await StaffDirectory.putRole(self.pool, tenant: tenant, request.role).message
    }
  }

  func listSessions(
    request: Erp_Gateway_V1_ListSessionsRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_ListSessionsResponse {
    let tenant = try self.tenant
    return try await mappingStoreErrors {
      _ = try await self.pool.withSession { session in
        try await StaffDirectory.get(session, tenant: tenant, id: request.userID)
      }
      return try await StaffSessions.list(
        self.pool,
        tenant: tenant,
        user: request.userID,
        current: IdentityCall.session?.id,
        settings: self.settings
      )
    }
  }

  func revokeSession(
    request: Erp_Gateway_V1_RevokeSessionRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_RevokeSessionResponse {
    defer { GrantCache.shared.forgetSessions() }  // see GrantCache
    let tenant = try self.tenant
    try await mappingStoreErrors {
      try await StaffSessions.revoke(
        self.pool,
        tenant: tenant,
        id: request.sessionID,
        user: nil,
        now: self.settings.clock.now(tenant)
      )
    }
    return Erp_Gateway_V1_RevokeSessionResponse()
  }

  func requestPasswordReset(
    request: Erp_Gateway_V1_RequestPasswordResetRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_PasswordReset {
    let tenant = try self.tenant
    let issued = try await mappingStoreErrors {
      try await StaffTokens.issueReset(
        self.pool,
        tenant: tenant,
        user: request.userID,
        settings: self.settings
      )
    }
    var reset = Erp_Gateway_V1_PasswordReset()
    reset.token = issued.token
    reset.expiresAt = StaffText.timestamp(issued.expires)
    return reset
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Tenants` API (operator calls; the access interceptor checked the token).
struct TenantsAPI: Erp_Gateway_V1_Tenants.SimpleServiceProtocol {
  let pool: ConnectionPool
  let peers: PeerClients
  var identity = IdentitySettings()

  /// With `admin_email`, also invites the tenant's first admin (``FirstAdmin``).
  func createTenant(
    request: Erp_Gateway_V1_CreateTenantRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_Tenant
  {
    if !request.adminEmail.isEmpty {
      _ = try StaffText.email(request.adminEmail, field: "admin_email")
    }
    var tenant = try await mappingStoreErrors {
      try await TenantRegistry.create(self.pool, self.peers, request)
    }
    if !request.adminEmail.isEmpty, tenant.status == .active,
      let invitation = try await FirstAdmin.invite(self.pool, request, settings: self.identity)
    {
      tenant.adminInvitation = invitation
    }
    return tenant
  }

  func listTenants(
    request: Erp_Gateway_V1_ListTenantsRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_ListTenantsResponse
  {
    var response = Erp_Gateway_V1_ListTenantsResponse()
    response.tenants = try await mappingStoreErrors { try await TenantRegistry.list(self.pool) }
    return response
  }

  func suspendTenant(
    request: Erp_Gateway_V1_TenantRef,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_Tenant
  {
    defer { GrantCache.shared.clear() }
    return try await mappingStoreErrors {
      try await TenantRegistry.setSuspended(self.pool, request.tenantID, true)
    }
  }

  func resumeTenant(
    request: Erp_Gateway_V1_TenantRef,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_Tenant
  {
    defer { GrantCache.shared.clear() }
    return try await mappingStoreErrors {
      try await TenantRegistry.setSuspended(self.pool, request.tenantID, false)
    }
  }

  func deleteTenant(
    request: Erp_Gateway_V1_DeleteTenantRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_DeleteTenantResponse
  {
    defer { GrantCache.shared.clear() }
    return try await mappingStoreErrors {
      try await TenantRegistry.delete(self.pool, self.peers, request)
    }
  }
}

/// The `ApiKeys` API (operator calls).
struct ApiKeysAPI: Erp_Gateway_V1_ApiKeys.SimpleServiceProtocol {
  let pool: ConnectionPool

  func issueKey(
    request: Erp_Gateway_V1_IssueKeyRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_IssuedKey
  {
    try await mappingStoreErrors { try await ApiKeyStore.issue(self.pool, request) }
  }

  func listKeys(
    request: Erp_Gateway_V1_ListKeysRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_ListKeysResponse
  {
    var response = Erp_Gateway_V1_ListKeysResponse()
    response.keys = try await mappingStoreErrors {
      try await ApiKeyStore.list(self.pool, tenant: request.tenantID)
    }
    return response
  }

  func revokeKey(
    request: Erp_Gateway_V1_RevokeKeyRequest,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_ApiKey
  {
    defer { GrantCache.shared.clear() }
    return try await mappingStoreErrors { try await ApiKeyStore.revoke(self.pool, id: request.id) }
  }
}

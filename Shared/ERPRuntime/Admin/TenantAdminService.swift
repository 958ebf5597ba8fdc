public import ERPProtos
public import ERPStore
public import GRPCCore

/// The `TenantAdmin` service every domain service serves for its own database: provisioning,
/// migrating, describing, listing and deprovisioning tenants. Provision and Migrate are
/// idempotent by nature, so a repeated `request_id` needs no bookkeeping.
public struct TenantAdminService: Erp_Common_V1_TenantAdmin.SimpleServiceProtocol {
  /// The service's name in answers, e.g. "customers".
  public let service: String
  public let pool: ConnectionPool
  public let migrations: [Migration]

  public init(service: String, pool: ConnectionPool, migrations: [Migration]) {
    self.service = service
    self.pool = pool
    self.migrations = migrations
  }

  private var latestVersion: Int { self.migrations.map(\.version).max() ?? 0 }

  public func provision(
    request: Erp_Common_V1_ProvisionTenantRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_TenantInfo {
    let tenant = try Self.tenant(request.tenantID, field: "tenant_id")
    try await mappingStoreErrors {
      try await self.pool.provision(tenant, migrations: self.migrations)
    }
    return try await self.info(tenant)
  }

  public func migrate(
    request: Erp_Common_V1_MigrateTenantRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_TenantInfo {
    let tenant = try Self.tenant(request.tenantID, field: "tenant_id")
    _ = try await self.info(tenant)  // NOT_FOUND before migrating a tenant never provisioned.
    try await mappingStoreErrors {
      try await self.pool.migrate(tenant, migrations: self.migrations)
    }
    return try await self.info(tenant)
  }

  public func describe(
    request: Erp_Common_V1_DescribeTenantRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_TenantInfo {
    try await self.info(try Self.tenant(request.tenantID, field: "tenant_id"))
  }

  /// Pages in tenant-id order; the page token is the last id of the previous page, so pages stay
  /// stable while tenants are added.
  public func list(
    request: Erp_Common_V1_ListTenantsRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_ListTenantsResponse {
    let requested = Int(request.page.pageSize)
    guard requested >= 0 else {
      throw RPCError(code: .invalidArgument, message: "page.page_size must not be negative")
    }
    let size = requested == 0 ? 100 : min(requested, 1000)
    let after = request.page.pageToken
    let all = try await mappingStoreErrors { try await self.pool.listTenants() }
    let page = all.filter { $0.tenant.slug > after }.prefix(size)
    var response = Erp_Common_V1_ListTenantsResponse()
    response.tenants = page.map(self.info(from:))
    if page.count == size, let last = page.last, all.last?.tenant != last.tenant {
      response.page.nextPageToken = last.tenant.slug
    }
    return response
  }

  public func deprovision(
    request: Erp_Common_V1_DeprovisionTenantRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_DeprovisionTenantResponse {
    let tenant = try Self.tenant(request.tenantID, field: "tenant_id")
    guard request.confirmTenantID == tenant.slug else {
      throw RPCError(
        code: .failedPrecondition,
        message: "confirm_tenant_id must repeat tenant_id to deprovision \(tenant)"
      )
    }
    try await mappingStoreErrors {
      try await self.pool.deprovision(tenant, confirmation: request.confirmTenantID)
    }
    var response = Erp_Common_V1_DeprovisionTenantResponse()
    response.tenantID = tenant.slug
    return response
  }

  // MARK: Helpers

  private func info(_ tenant: TenantID) async throws -> Erp_Common_V1_TenantInfo {
    self.info(from: try await mappingStoreErrors { try await self.pool.describe(tenant) })
  }

  private func info(from description: TenantDescription) -> Erp_Common_V1_TenantInfo {
    var info = Erp_Common_V1_TenantInfo()
    info.tenantID = description.tenant.slug
    info.service = self.service
    info.schemaVersion = Int32(description.migrationVersion)
    info.latestVersion = Int32(self.latestVersion)
    return info
  }

  /// Validates a tenant id from a request; the error names the field.
  static func tenant(_ raw: String, field: String) throws -> TenantID {
    do {
      return try TenantID(validating: raw)
    } catch {
      throw RPCError(code: error.rpcError.code, message: "\(field): \(error.message)")
    }
  }
}

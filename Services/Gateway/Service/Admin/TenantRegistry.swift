import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The tenants the gateway serves, and their provisioning in every domain service. Each
/// service that has provisioned the tenant is recorded as it does, so creating again after a
/// failure provisions only what is missing (provisioning is idempotent in the services too).
enum TenantRegistry {
  /// The domain services a tenant lives in: every domain of the catalog.
  static let domains = ServiceCatalog.domains.map(\.name)

  static func create(
    _ pool: ConnectionPool,
    _ peers: PeerClients,
    _ request: Erp_Gateway_V1_CreateTenantRequest
  )
    async throws -> Erp_Gateway_V1_Tenant
  {
    let tenant: TenantID
    do {
      tenant = try TenantID(validating: request.tenantID)
    } catch {
      throw RPCError(code: .invalidArgument, message: "tenant_id: \(error.message)")
    }
    try await pool.withSession { session in
      try await session.query(
        "INSERT INTO gateway.tenant (id, display_name, status) VALUES ($1, $2, 'provisioning') "
          + "ON CONFLICT (id) DO NOTHING",
        [tenant.slug, request.displayName]
      )
    }
    let done = Set(
      try await pool.withSession { session in
        try await session.query(
          "SELECT service FROM gateway.tenant_service WHERE tenant_id = $1",
          [tenant.slug]
        )
      }.map { try $0.decode("service", as: String.self) }
    )
    for service in Self.domains where !done.contains(service) {
      do {
        let admin = Erp_Common_V1_TenantAdmin.Client(wrapping: try peers.client(service))
        var provision = Erp_Common_V1_ProvisionTenantRequest()
        provision.tenantID = tenant.slug
        _ = try await admin.provision(provision)
      } catch {
        // Worded as for partners: the service's name, never its address or the transport's
        // internals.
        let reason = PartnerFacingError.rpcError(for: error, service: service).message
        throw RPCError(
          code: .unavailable,
          message:
            "provisioning \(tenant.slug) in \(service) failed (\(reason)); the tenant stays "
            + "provisioning: call CreateTenant again to resume"
        )
      }
      try await pool.withSession { session in
        try await session.query(
          "INSERT INTO gateway.tenant_service (tenant_id, service) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          [tenant.slug, service]
        )
      }
    }
    try await pool.withSession { session in
      try await session.query(
        "UPDATE gateway.tenant SET status = 'active' WHERE id = $1 AND status = 'provisioning'",
        [tenant.slug]
      )
    }
    return try await Self.get(pool, tenant.slug)
  }

  static func setSuspended(
    _ pool: ConnectionPool,
    _ id: String,
    _ suspended: Bool
  ) async throws
    -> Erp_Gateway_V1_Tenant
  {
    let rows = try await pool.withSession { session in
      try await session.query(
        "UPDATE gateway.tenant SET status = $2 WHERE id = $1 AND status <> 'provisioning' RETURNING id",
        [id, suspended ? "suspended" : "active"]
      )
    }
    if rows.isEmpty {
      _ = try await Self.get(pool, id)
      throw RPCError(
        code: .failedPrecondition,
        message: "tenant_id: \(quoted(id)) is still provisioning"
      )
    }
    return try await Self.get(pool, id)
  }

  static func delete(
    _ pool: ConnectionPool,
    _ peers: PeerClients,
    _ request: Erp_Gateway_V1_DeleteTenantRequest
  )
    async throws -> Erp_Gateway_V1_DeleteTenantResponse
  {
    guard request.confirmation == "delete \(request.tenantID)" else {
      throw RPCError(
        code: .failedPrecondition,
        message:
          "confirmation: must be \"delete \(request.tenantID)\"; nothing brings the data back"
      )
    }
    _ = try await Self.get(pool, request.tenantID)
    var response = Erp_Gateway_V1_DeleteTenantResponse()
    let provisioned = try await pool.withSession { session in
      try await session.query(
        "SELECT service FROM gateway.tenant_service WHERE tenant_id = $1",
        [request.tenantID]
      )
    }.map { try $0.decode("service", as: String.self) }
    for service in provisioned {
      var deprovision = Erp_Common_V1_DeprovisionTenantRequest()
      deprovision.tenantID = request.tenantID
      deprovision.confirmTenantID = request.tenantID
      deprovision.requestID = "gateway-delete-\(request.tenantID)"
      _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: try peers.client(service))
        .deprovision(deprovision)
      try await pool.withSession { session in
        try await session.query(
          "DELETE FROM gateway.tenant_service WHERE tenant_id = $1 AND service = $2",
          [request.tenantID, service]
        )
      }
      response.deletedFrom.append(service)
    }
    try await pool.withSession { session in
      try await session.query("DELETE FROM gateway.tenant WHERE id = $1", [request.tenantID])
    }
    return response
  }

  static func list(_ pool: ConnectionPool) async throws -> [Erp_Gateway_V1_Tenant] {
    try await pool.withSession { session in
      try await session.query("\(Self.select) GROUP BY t.id ORDER BY t.id")
    }.map(Self.tenant)
  }

  static func get(_ pool: ConnectionPool, _ id: String) async throws -> Erp_Gateway_V1_Tenant {
    let rows = try await pool.withSession { session in
      try await session.query("\(Self.select) WHERE t.id = $1 GROUP BY t.id", [id])
    }
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "tenant_id: no tenant \(quoted(id))")
    }
    return try Self.tenant(row)
  }

  private static let select = """
    SELECT t.id, t.display_name, t.status,
      coalesce(array_agg(s.service ORDER BY s.service) FILTER (WHERE s.service IS NOT NULL), '{}') AS services
    FROM gateway.tenant t LEFT JOIN gateway.tenant_service s ON s.tenant_id = t.id
    """

  private static func tenant(_ row: PostgresRow) throws -> Erp_Gateway_V1_Tenant {
    var tenant = Erp_Gateway_V1_Tenant()
    tenant.tenantID = try row.decode("id")
    tenant.displayName = try row.decode("display_name")
    tenant.status =
      ["provisioning": .provisioning, "active": .active, "suspended": .suspended][
        try row.decode("status", as: String.self)
      ] ?? .unspecified
    tenant.provisionedServices = try row.decode("services")
    return tenant
  }
}

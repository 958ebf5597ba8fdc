import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

typealias Client = GRPCClient<ERPTransport.Client>

/// The whole system in this process as production runs it (``InProcessSystem``): every domain
/// service and the gateway, each with its production interceptors and background workers, on a
/// database of its own. Each service can be stopped and started again. The test's client is a
/// partner's: no services' secret, no tenant of its own.
struct GatewayHarness: Sendable {
  let client: Client
  /// The gateway's port, for clients of their own (erpctl).
  let port: Int
  let system: InProcessSystem

  static let operatorToken = "operator-token-for-tests"

  /// The domain services, by catalog name (each can be stopped and started again).
  var servers: [String: SystemMember] {
    Dictionary(uniqueKeysWithValues: self.system.members.map { ($0.entry.name, $0) })
  }
  var gatewayPool: ConnectionPool { self.system["gateway"]!.pool }

  var tenants: Erp_Gateway_V1_Tenants.Client<ERPTransport.Client> { .init(wrapping: self.client) }
  var keys: Erp_Gateway_V1_ApiKeys.Client<ERPTransport.Client> { .init(wrapping: self.client) }
  var customers: Erp_Customers_V1_Customers.Client<ERPTransport.Client> {
    .init(wrapping: self.client)
  }

  /// `variables`: more of the services' environment (the webhooks' back-off, say).
  static func run<T: Sendable>(
    variables: [String: String] = [:],
    _ body: @Sendable (GatewayHarness) async throws -> T
  ) async throws -> T {
    var options = InProcessSystem.Options { entry in
      try await TestDatabase.isolatedConninfo("gw_\(entry.name)")
    }
    options.variables = variables
    options.variables["ERP_OPERATOR_TOKEN"] = Self.operatorToken
    // As many connections as each service had in this harness before it ran the runners.
    options.poolSize = 6
    return try await InProcessSystem.run(options) { system in
      let port = system["gateway"]!.port
      let client = GRPCClient(
        transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)])
      )
      return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await client.runConnections() }
        defer { client.beginGracefulShutdown() }
        return try await body(GatewayHarness(client: client, port: port, system: system))
      }
    }
  }

  /// A second gateway on the same database and services (another replica), which a test can
  /// stop and start again; the caller stops it.
  func replica() async throws -> SystemMember {
    try await self.system["gateway"]!.replica()
  }

  static var operatorCall: Metadata { ["x-erp-operator-token": .string(Self.operatorToken)] }

  static func partner(_ secret: String, tenant: String? = nil) -> Metadata {
    var metadata: Metadata = ["x-erp-api-key": .string(secret)]
    if let tenant { metadata.addString(tenant, forKey: "x-erp-tenant") }
    return metadata
  }

  /// A new active tenant, provisioned everywhere.
  func tenant(_ prefix: String) async throws -> String {
    var request = Erp_Gateway_V1_CreateTenantRequest()
    request.tenantID = TestDatabase.uniqueTenant(prefix).slug
    request.displayName = "شركة \(prefix)"
    return try await self.tenants.createTenant(request, metadata: Self.operatorCall).tenantID
  }

  func key(
    _ tenant: String,
    scopes: [String] = ["customers:write"],
    expiresAt: Int64 = 0,
    rate: Int32 = 0,
    burst: Int32 = 0
  ) async throws -> Erp_Gateway_V1_IssuedKey {
    var request = Erp_Gateway_V1_IssueKeyRequest()
    request.tenantID = tenant
    request.name = "partner"
    request.scopes = scopes
    request.expiresAt = expiresAt
    request.ratePerSecond = rate
    request.burst = burst
    return try await self.keys.issueKey(request, metadata: Self.operatorCall)
  }

  func createCustomer(
    _ secret: String,
    _ name: String,
    tenant: String? = nil
  ) async throws
    -> Erp_Customers_V1_Customer
  {
    var request = Erp_Customers_V1_CreateCustomerRequest()
    request.requestID = "c-\(name)"
    request.customer.kind = .organisation
    request.customer.name = name
    return try await self.customers.createCustomer(
      request,
      metadata: Self.partner(secret, tenant: tenant)
    )
  }

  func getCustomer(_ secret: String, _ id: String) async throws -> Erp_Customers_V1_Customer {
    var request = Erp_Customers_V1_GetCustomerRequest()
    request.id = id
    return try await self.customers.getCustomer(request, metadata: Self.partner(secret))
  }
}

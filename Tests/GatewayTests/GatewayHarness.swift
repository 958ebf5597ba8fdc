import Customers
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Finance
import GRPCCore
import Gateway
import HR
import Logging
import Sales
import SupplyChain

typealias Client = GRPCClient<ERPTransport.Client>

/// The gateway over TCP on its own database, in front of every domain of the catalog, each
/// serving its whole API (built by its definition, as production builds it, with its
/// background work running) on its own database, started after the domains it calls. Each
/// domain server can be stopped and started again. The test's client is a partner's: no
/// services' secret, no tenant of its own.
struct GatewayHarness: Sendable {
  let client: Client
  /// The gateway's port, for clients of their own (erpctl).
  let port: Int
  let servers: [String: RestartableServer]
  let gatewayPool: ConnectionPool
  let peers: PeerClients

  static let operatorToken = "operator-token-for-tests"
  static let secret = "unused-in-these-tests"
  static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
  /// Every domain's definition; `definitionsCoverTheCatalog` checks it names each domain once.
  static let definitions: [ServiceDefinition] = [
    FinanceService.definition, CustomersService.definition, SupplyChainService.definition,
    HRService.definition, SalesService.definition,
  ]

  var tenants: Erp_Gateway_V1_Tenants.Client<ERPTransport.Client> { .init(wrapping: self.client) }
  var keys: Erp_Gateway_V1_ApiKeys.Client<ERPTransport.Client> { .init(wrapping: self.client) }
  var customers: Erp_Customers_V1_Customers.Client<ERPTransport.Client> {
    .init(wrapping: self.client)
  }

  struct MissingDefinition: Error { var domain: String }

  static func run<T: Sendable>(
    _ body: @Sendable (GatewayHarness) async throws -> T
  ) async throws -> T {
    var started: [String: RestartableServer] = [:]
    var pools: [ConnectionPool] = []
    var domainPeers: [PeerClients] = []
    var background: [@Sendable () async throws -> Void] = []
    for entry in ServiceCatalog.domains {
      guard let definition = Self.definitions.first(where: { $0.name == entry.name }) else {
        throw MissingDefinition(domain: entry.name)
      }
      let pool = try await TestDatabase.isolatedPool("gw_\(entry.name)", maxConnections: 6)
      pools.append(pool)
      try await definition.prepareDatabase(pool)
      // The domains started so far include every one this domain calls (catalog order).
      let peers = PeerClients(
        targets: started.mapValues { [.init(host: "127.0.0.1", port: $0.port)] },
        secret: Self.secret
      )
      domainPeers.append(peers)
      let parts = try definition.inProcessParts(
        service: entry,
        pool: pool,
        peers: peers,
        secret: Self.secret,
        logger: Self.logger
      )
      for service in parts.background { background.append { try await service.run() } }
      started[entry.name] = try await RestartableServer(
        services: parts.services,
        interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: pool)]
      )
    }
    let servers = started
    let running = background
    let gatewayPool = try await TestDatabase.isolatedPool("gw_gateway", maxConnections: 6)
    try await ServiceDefinition.prepare(GatewayService.databaseSetup, on: gatewayPool)
    let peers = PeerClients(
      targets: servers.mapValues { [.init(host: "127.0.0.1", port: $0.port)] },
      secret: Self.secret
    )
    domainPeers.append(peers)
    let allPeers = domainPeers
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withThrowingTaskGroup(of: Void.self) { group in
          for client in allPeers { group.addTask { try await client.runConnections() } }
          for job in running { group.addTask { try await job() } }
          defer {
            for client in allPeers { client.shutdown() }
            group.cancelAll()
          }
          return try await withLoopbackServer(
            services: GatewayService.services(pool: gatewayPool, peers: peers),
            interceptors: [RequestValidationInterceptor(), Self.access(gatewayPool)]
          ) { client, port in
            try await body(
              GatewayHarness(
                client: client,
                port: port,
                servers: servers,
                gatewayPool: gatewayPool,
                peers: peers
              )
            )
          }
        }
      )
    } catch {
      result = .failure(error)
    }
    for server in servers.values { await server.stop() }
    for pool in pools + [gatewayPool] { await pool.shutdown() }
    return try result.get()
  }

  private static func access(_ pool: ConnectionPool) -> any ServerInterceptor {
    GatewayService.access(
      pool: pool,
      operatorToken: Self.operatorToken,
      serviceSecret: Self.secret,
      logger: Self.logger
    )
  }

  /// A second gateway on the same database and services (another replica), which a test can
  /// stop and start again; the caller stops it.
  func replica() async throws -> RestartableServer {
    try await RestartableServer(
      services: GatewayService.services(pool: self.gatewayPool, peers: self.peers),
      interceptors: [RequestValidationInterceptor(), Self.access(self.gatewayPool)]
    )
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

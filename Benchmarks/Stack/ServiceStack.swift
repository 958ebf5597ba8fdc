public import BenchmarkSupport
import Customers
import ERPProtos
import ERPRuntime
public import ERPStore
import ERPTransport
import Finance
import GRPCCore
import HR
import Logging
import Sales
import SupplyChain

/// Finance, customers, the supply chain, HR and sales, each on its own database on the bench
/// server and served over loopback TCP, as separate processes would be; sales calls the others
/// through its peer clients and runs its outbox relay. Shared by the sales and gateway
/// benchmarks.
public struct ServiceStack: Sendable {
  public let ports: [String: Int]
  public let pools: [String: ConnectionPool]
  public let tenant: TenantID

  public static let secret = "bench-secret"
  static let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

  public static func run<T: Sendable>(
    _ server: BenchServer,
    connections: Int,
    _ body: @Sendable (ServiceStack) async throws -> T
  ) async throws -> T {
    let tenant = try TenantID(validating: "bench")
    var opened: [String: ConnectionPool] = [:]
    let definitions = [
      "finance": FinanceService.definition, "customers": CustomersService.definition,
      "supplychain": SupplyChainService.definition, "sales": SalesService.definition,
      "hr": HRService.definition,
    ]
    for (name, definition) in definitions {
      let pool = server.pool(
        try await server.database("bench_sales_\(name)"),
        connections: connections
      )
      try await definition.prepareDatabase(pool)
      try await pool.provision(tenant, migrations: definition.migrations)
      opened[name] = pool
    }
    let pools = opened
    let finance = try await Self.start(
      FinanceService.services(pool: pools["finance"]!),
      pools["finance"]!
    )
    let customers = try await Self.start(
      CustomersService.services(pool: pools["customers"]!),
      pools["customers"]!
    )
    let hrRelay = HRService.relay(
      pool: pools["hr"]!,
      peers: PeerClients(targets: [:], secret: Self.secret),
      logger: Self.logger
    )
    let hr = try await Self.start(
      HRService.services(pool: pools["hr"]!, relay: hrRelay),
      pools["hr"]!
    )
    let supplyPeers = PeerClients(
      targets: ["finance": [.init(host: "127.0.0.1", port: finance.port)]],
      secret: Self.secret
    )
    let supplyRelay = SupplyChainService.relay(
      pool: pools["supplychain"]!,
      peers: supplyPeers,
      logger: Self.logger
    )
    let supplychain = try await Self.start(
      SupplyChainService.services(
        pool: pools["supplychain"]!,
        peers: supplyPeers,
        relay: supplyRelay
      ),
      pools["supplychain"]!
    )
    var ports = [
      "finance": finance.port, "customers": customers.port, "supplychain": supplychain.port,
      "hr": hr.port,
    ]
    let salesPeers = PeerClients(
      targets: ports.mapValues { [.init(host: "127.0.0.1", port: $0)] },
      secret: Self.secret
    )
    let parts = SalesService.parts(pool: pools["sales"]!, peers: salesPeers, logger: Self.logger)
    let sales = try await Self.start(parts.services, pools["sales"]!)
    ports["sales"] = sales.port
    let stack = ServiceStack(ports: ports, pools: pools, tenant: tenant)
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withThrowingTaskGroup(of: Void.self) { group in
          for job in [
            supplyPeers.runConnections, supplyRelay.run, salesPeers.runConnections, parts.relay.run,
          ]
            as [@Sendable () async throws -> Void]
          {
            group.addTask { try await job() }
          }
          defer {
            supplyPeers.shutdown()
            salesPeers.shutdown()
            group.cancelAll()
          }
          return try await body(stack)
        }
      )
    } catch {
      result = .failure(error)
    }
    for server in [sales, supplychain, hr, customers, finance] { await server.stop() }
    return try result.get()
  }

  /// A server on a free loopback port, with the tenant interceptor and TenantAdmin (as the
  /// runner serves it), until `stop`.
  private static func start(
    _ services: [any RegistrableRPCService],
    _ pool: ConnectionPool
  ) async throws
    -> RunningServer
  {
    let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: 0))
    let server = GRPCServer(
      transport: transport,
      services: services + [TenantAdminService(service: "bench", pool: pool, migrations: [])],
      interceptors: [TenantInterceptor(pool: pool)]
    )
    let task = Task { try await server.serve() }
    return RunningServer(
      server: server,
      task: task,
      port: try await transport.listeningAddress.port!
    )
  }

  struct RunningServer: Sendable {
    let server: GRPCServer<ERPTransport.Server>
    let task: Task<Void, any Error>
    let port: Int

    func stop() async {
      self.server.beginGracefulShutdown()
      _ = await self.task.result
    }
  }
}

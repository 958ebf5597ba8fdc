import BenchmarkSupport
import Customers
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import Finance
import GRPCCore
import Logging
import Sales
import SupplyChain

/// Finance, customers, the supply chain and sales, each on its own database on the bench
/// server and served over loopback TCP, as separate processes would be; sales calls the other
/// three through its peer clients and runs its outbox relay.
struct ServiceStack: Sendable {
  let ports: [String: Int]
  let pools: [String: ConnectionPool]
  let tenant: TenantID

  static let secret = "bench-secret"
  static let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })

  static func run<T: Sendable>(
    _ server: BenchServer,
    connections: Int,
    _ body: @Sendable (ServiceStack) async throws -> T
  ) async throws -> T {
    let tenant = try TenantID(validating: "bench")
    var opened: [String: ConnectionPool] = [:]
    let definitions = [
      "finance": FinanceService.definition, "customers": CustomersService.definition,
      "supplychain": SupplyChainService.definition, "sales": SalesService.definition,
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
    return try await Self.serve(FinanceService.services(pool: pools["finance"]!), pools["finance"]!)
    {
      financePort in
      try await Self.serve(
        CustomersService.services(pool: pools["customers"]!),
        pools["customers"]!
      ) {
        customersPort in
        let supplyPeers = PeerClients(
          targets: ["finance": [.init(host: "127.0.0.1", port: financePort)]],
          secret: Self.secret
        )
        let supplyRelay = SupplyChainService.relay(
          pool: pools["supplychain"]!,
          peers: supplyPeers,
          logger: Self.logger
        )
        return try await Self.background(
          [supplyPeers.runConnections, supplyRelay.run],
          stop: supplyPeers.shutdown
        ) {
          try await Self.serve(
            SupplyChainService.services(
              pool: pools["supplychain"]!,
              peers: supplyPeers,
              relay: supplyRelay
            ),
            pools["supplychain"]!
          ) { supplyPort in
            let ports = [
              "finance": financePort, "customers": customersPort, "supplychain": supplyPort,
            ]
            let salesPeers = PeerClients(
              targets: ports.mapValues { [.init(host: "127.0.0.1", port: $0)] },
              secret: Self.secret
            )
            let parts = SalesService.parts(
              pool: pools["sales"]!,
              peers: salesPeers,
              logger: Self.logger
            )
            return try await Self.background(
              [salesPeers.runConnections, parts.relay.run],
              stop: salesPeers.shutdown
            ) {
              try await Self.serve(parts.services, pools["sales"]!) { salesPort in
                var all = ports
                all["sales"] = salesPort
                return try await body(ServiceStack(ports: all, pools: pools, tenant: tenant))
              }
            }
          }
        }
      }
    }
  }

  private static func serve<T: Sendable>(
    _ services: [any RegistrableRPCService],
    _ pool: ConnectionPool,
    _ body: @Sendable (Int) async throws -> T
  ) async throws -> T {
    let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: 0))
    let server = GRPCServer(
      transport: transport,
      services: services,
      interceptors: [TenantInterceptor(pool: pool)]
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.serve() }
      defer { server.beginGracefulShutdown() }
      return try await body(try await transport.listeningAddress.port!)
    }
  }

  private static func background<T: Sendable>(
    _ work: [@Sendable () async throws -> Void],
    stop: @escaping @Sendable () -> Void,
    _ body: @Sendable () async throws -> T
  ) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for job in work { group.addTask { try await job() } }
      defer {
        stop()
        group.cancelAll()
      }
      return try await body()
    }
  }
}

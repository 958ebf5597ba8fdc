public import BenchmarkSupport
import Customers
import ERPRuntime
public import ERPStore
import ERPTransport
import Finance
import GRPCCore
import HR
import Logging
import Sales
import SupplyChain

/// Every domain of the catalog, each on its own database on the bench server and served over
/// loopback TCP, as separate processes would be, started after the domains it calls: each
/// built by its definition as production builds it, calling the others through its peer
/// clients, with its background work (outbox relays, the order recovery) running. Shared by
/// the sales and gateway benchmarks.
public struct ServiceStack: Sendable {
  public let ports: [String: Int]
  public let pools: [String: ConnectionPool]
  public let tenant: TenantID

  public static let secret = "bench-secret-0123456789"
  static let logger = Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() })
  /// Every domain's definition (each domain of the catalog must have one).
  static let definitions: [ServiceDefinition] = [
    FinanceService.definition, CustomersService.definition, SupplyChainService.definition,
    HRService.definition, SalesService.definition,
  ]

  struct MissingDefinition: Error { var domain: String }

  public static func run<T: Sendable>(
    _ server: BenchServer,
    connections: Int,
    _ body: @Sendable (ServiceStack) async throws -> T
  ) async throws -> T {
    let tenant = try TenantID(validating: "bench")
    var pools: [String: ConnectionPool] = [:]
    var ports: [String: Int] = [:]
    var servers: [RunningServer] = []
    var peerClients: [PeerClients] = []
    var background: [@Sendable () async throws -> Void] = []
    for entry in ServiceCatalog.domains {
      guard let definition = Self.definitions.first(where: { $0.name == entry.name }) else {
        throw MissingDefinition(domain: entry.name)
      }
      let pool = server.pool(
        try await server.database("bench_sales_\(entry.name)"),
        connections: connections
      )
      try await definition.prepareDatabase(pool)
      try await pool.provision(tenant, migrations: definition.migrations)
      pools[entry.name] = pool
      // The domains started so far include every one this domain calls (catalog order).
      let peers = PeerClients(
        targets: ports.mapValues { [.init(host: "127.0.0.1", port: $0)] },
        secret: Self.secret
      )
      peerClients.append(peers)
      background.append { try await peers.runConnections() }
      let parts = try definition.inProcessParts(
        service: entry,
        pool: pool,
        peers: peers,
        secret: Self.secret,
        logger: Self.logger
      )
      for service in parts.background { background.append { try await service.run() } }
      let running = try await Self.start(parts.services, pool)
      servers.append(running)
      ports[entry.name] = running.port
    }
    let stack = ServiceStack(ports: ports, pools: pools, tenant: tenant)
    let jobs = background
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withThrowingTaskGroup(of: Void.self) { group in
          for job in jobs { group.addTask { try await job() } }
          defer {
            for peers in peerClients { peers.shutdown() }
            group.cancelAll()
          }
          return try await body(stack)
        }
      )
    } catch {
      result = .failure(error)
    }
    for server in servers.reversed() { await server.stop() }
    return try result.get()
  }

  /// A server on a free loopback port, with the tenant interceptor (as the runner serves it),
  /// until `stop`.
  private static func start(
    _ services: [any RegistrableRPCService],
    _ pool: ConnectionPool
  ) async throws
    -> RunningServer
  {
    let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: 0))
    let server = GRPCServer(
      transport: transport,
      services: services,
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

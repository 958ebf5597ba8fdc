public import ERPRuntime
public import ERPStore
public import ERPTransport
public import GRPCCore
import Logging

/// A service under test calling a real peer service, the way they run in production: each on
/// its own database, the tenant provisioned in both, both served over TCP, the service given
/// the peer's address and its outbox relay running. The peer's server can be stopped and
/// started again on the same port (a peer outage).
public enum PeerHarness {
  /// The services' shared secret; these servers run without the auth interceptor.
  static let secret = "unused-in-these-tests"

  /// What the test talks to.
  public struct Running: Sendable {
    public let tenant: TenantID
    /// Connected to the service under test.
    public let service: GRPCClient<ERPTransport.Client>
    /// Connected to the peer, to check what reached it.
    public let peer: GRPCClient<ERPTransport.Client>
    public let peerServer: RestartableServer
  }

  /// The peer: its name in the catalog, a database of its own, migrations and services.
  public struct Peer: Sendable {
    public var name: String
    public var database: String
    public var migrations: [Migration]
    public var services: @Sendable (ConnectionPool) -> [any RegistrableRPCService]

    public init(
      name: String,
      database: String,
      migrations: [Migration],
      services: @escaping @Sendable (ConnectionPool) -> [any RegistrableRPCService]
    ) {
      self.name = name
      self.database = database
      self.migrations = migrations
      self.services = services
    }
  }

  public static func run<T: Sendable>(
    tenantPrefix: String,
    peer: Peer,
    migrations: [Migration],
    databaseSetup: [String] = [],
    services:
      @escaping @Sendable (ConnectionPool, PeerClients, Logger) -> (
        [any RegistrableRPCService], OutboxRelay
      ),
    _ body: @Sendable (Running) async throws -> T
  ) async throws -> T {
    var peerConfig = ConnectionPool.Config(
      conninfo: try await TestDatabase.isolatedConninfo(peer.database)
    )
    peerConfig.maxConnections = 8
    let peerPool = ConnectionPool(config: peerConfig)
    let pool = try await TestDatabase.pool(maxConnections: 20)
    try await ServiceDefinition.prepare(databaseSetup, on: pool)
    let tenant = TestDatabase.uniqueTenant(tenantPrefix)
    try await peerPool.provision(tenant, migrations: peer.migrations)
    try await pool.provision(tenant, migrations: migrations)
    defer {
      Task {
        await pool.shutdown()
        await peerPool.shutdown()
      }
    }
    let peerServer = try await RestartableServer(
      services: peer.services(peerPool),
      interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: peerPool)]
    )
    let peers = PeerClients(
      targets: [peer.name: [.init(host: "127.0.0.1", port: peerServer.port)]],
      secret: Self.secret
    )
    let (underTest, relay) = services(
      pool,
      peers,
      Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask { try await peers.runConnections() }
          group.addTask { try await relay.run() }
          defer {
            peers.shutdown()
            group.cancelAll()
          }
          return try await withLoopbackServer(
            services: underTest,
            interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: pool)]
          ) { _, port in
            try await withServiceClient(port: port, secret: Self.secret) { service in
              try await withServiceClient(port: peerServer.port, secret: Self.secret) {
                peerClient in
                try await RequestContext.$tenant.withValue(tenant) {
                  try await body(
                    Running(
                      tenant: tenant,
                      service: service,
                      peer: peerClient,
                      peerServer: peerServer
                    )
                  )
                }
              }
            }
          }
        }
      )
    } catch {
      result = .failure(error)
    }
    await peerServer.stop()
    return try result.get()
  }

}

public import ERPRuntime
public import ERPStore
public import ERPTransport
import Foundation
public import GRPCCore
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Every service of the system (or the ones a test names) running in this process the way
/// production runs them: each service's own ``ServiceRunner`` built from its
/// ``ServiceDefinition``, with the same interceptors (authentication, field limits, tenancy,
/// metrics), the same background workers (outbox relays, order recovery, audit) and TenantAdmin,
/// each on a database of its own and a free loopback port, calling its peers over TCP. The tests
/// and the benchmarks both run on it, so neither wires a system production does not run.
///
/// Services start in ``ServiceCatalog``'s order (a service after the ones it calls), each given
/// the addresses of those started before it, and stop in the reverse order. The gateway starts
/// last but the domain services tell it their events (``PartnerEvents``), so its port is chosen
/// first (a free one, from the system) and given to them as `ERP_PEER_GATEWAY`.
public struct InProcessSystem: Sendable {
  /// How to run the system.
  public struct Options: Sendable {
    /// The catalog names of the services to run, a subset of the catalog; `nil` runs them all.
    public var services: Set<String>?
    /// The conninfo of the database a service uses (created by the caller).
    public var database: @Sendable (ServiceEntry) async throws -> String
    /// Each service's most database connections.
    public var poolSize = 4
    /// Seconds in-flight calls get when a service stops.
    public var drainSeconds = 2
    /// Environment variables the services read besides the runtime's (the gateway's
    /// `ERP_OPERATOR_TOKEN`, say).
    public var variables: [String: String] = [:]
    /// Silent, unless `ERP_TEST_LOG` names a level (`debug`, `info`, `warning`…): then the
    /// services log to standard error, so a failing test run can show what the services said.
    public var logger = InProcessSystem.defaultLogger()
    /// The gateway's port, chosen before any service starts (nil: no gateway runs).
    var gatewayPort: Int?

    public init(
      services: Set<String>? = nil,
      database: @escaping @Sendable (ServiceEntry) async throws -> String
    ) {
      self.services = services
      self.database = database
    }
  }

  /// The logger ``Options`` starts with (see ``Options/logger``).
  public static func defaultLogger() -> Logger {
    guard let name = ProcessInfo.processInfo.environment["ERP_TEST_LOG"],
      let level = Logger.Level(rawValue: name)
    else { return Logger(label: "erp-system", factory: { _ in SwiftLogNoOpLogHandler() }) }
    var logger = Logger(label: "erp-system", factory: { StreamLogHandler.standardError(label: $0) })
    logger.logLevel = level
    return logger
  }

  /// The services' shared secret inside the system.
  public static let secret = "in-process-system-secret"

  /// The running services in start-up order.
  public let members: [SystemMember]

  /// The running service called `name` (a catalog name).
  public subscript(_ name: String) -> SystemMember? {
    self.members.first { $0.entry.name == name }
  }

  /// Starts the system, runs `body` with it, then stops every service, whether `body` succeeded
  /// or threw.
  public static func run<T: Sendable>(
    _ options: Options,
    _ body: @Sendable (InProcessSystem) async throws -> T
  ) async throws -> T {
    var started: [SystemMember] = []
    let result: Result<T, any Error>
    do {
      var options = options
      if options.services?.contains(Self.edge) ?? true {
        options.gatewayPort = try await Self.freePort()
      }
      for (entry, definition) in SystemDefinitions.all
      where options.services?.contains(entry.name) ?? true {
        started.append(
          try await Self.start(entry, definition, peers: started, options: options)
        )
      }
      result = .success(try await body(InProcessSystem(members: started)))
    } catch {
      result = .failure(error)
    }
    for member in started.reversed() {
      await member.stop()
      await member.close()
    }
    return try result.get()
  }

  /// Provisions `tenant` in every running service that keeps tenant schemas (all but the
  /// gateway, which keeps the registry), as the gateway's CreateTenant does.
  public func provision(_ tenant: TenantID) async throws {
    for member in self.members where member.entry.name != Self.edge {
      try await member.pool.provision(tenant, migrations: member.definition.migrations)
    }
  }

  /// Runs `body` with a client of the service `name` that carries the services' secret, as a
  /// peer service calls it (the tenant comes from ``RequestContext``).
  public func withClient<T: Sendable>(
    _ name: String,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
  ) async throws -> T {
    guard let member = self[name] else {
      throw SystemError(message: "\(name) is not part of this system")
    }
    return try await withServiceClient(port: member.port, secret: Self.secret, body)
  }

  /// Provisions `tenant` (``provision(_:)``), then runs `body` with it bound in
  /// ``RequestContext`` and a client of each service in `names` (``withClient(_:_:)``), by name.
  public func withTenant<T: Sendable>(
    _ tenant: TenantID,
    clients names: [String],
    _ body: @Sendable ([String: GRPCClient<ERPTransport.Client>]) async throws -> T
  ) async throws -> T {
    try await self.provision(tenant)
    return try await self.withClients(names, tenant: tenant, body)
  }

  /// Runs `body` with `tenant` bound in ``RequestContext`` and a client of each service in
  /// `names`, by name, without provisioning (a second connection to a tenant already set up).
  /// A client reaches the member's port, whether the member or a process in its place serves it.
  public func withClients<T: Sendable>(
    _ names: [String],
    tenant: TenantID,
    _ body: @Sendable ([String: GRPCClient<ERPTransport.Client>]) async throws -> T
  ) async throws -> T {
    try await self.withClients(names[...], [:]) { clients in
      try await RequestContext.$tenant.withValue(tenant) { try await body(clients) }
    }
  }

  private func withClients<T: Sendable>(
    _ names: ArraySlice<String>,
    _ opened: [String: GRPCClient<ERPTransport.Client>],
    _ body: @Sendable ([String: GRPCClient<ERPTransport.Client>]) async throws -> T
  ) async throws -> T {
    guard let name = names.first else { return try await body(opened) }
    return try await self.withClient(name) { client in
      var opened = opened
      opened[name] = client
      return try await self.withClients(names.dropFirst(), opened, body)
    }
  }

  /// A loopback port free now, below the kernel's ephemeral range (32768 and up): the
  /// services' outbox relays keep connecting to the gateway's port while it is stopped, and a
  /// port in that range could be handed to one of those connections as its own (a TCP
  /// self-connection), so the gateway could not listen there again. Bound and closed again;
  /// between the close and the gateway binding it another process could take it, and the
  /// gateway's start would then fail loudly.
  static func freePort() async throws -> Int {
    for _ in 0..<200 {
      // Handed out in turn from a random start, so that the systems of one test process (its
      // suites run at once) never pick the same port between the check and the bind.
      let port = Self.portsHandedOut.withLockedValue { next in
        defer { next = next == 32_000 ? 20_000 : next + 1 }
        return next
      }
      guard
        let channel = try? await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
          .bind(host: "127.0.0.1", port: port).get()
      else { continue }
      try await channel.close()
      return port
    }
    throw SystemError(message: "no free loopback port below 32000")
  }

  /// The next port ``freePort()`` tries.
  private static let portsHandedOut = NIOLockedValueBox(Int.random(in: 20_000...32_000))

  /// The service partners call; it has no tenant schemas of its own.
  static let edge = "gateway"

  private static func start(
    _ entry: ServiceEntry,
    _ definition: ServiceDefinition,
    peers: [SystemMember],
    options: Options
  ) async throws -> SystemMember {
    var environment = options.variables
    // Below the ephemeral range, like the gateway's (``freePort()``): a member a test stops and
    // starts again, or replaces by a process of its own, keeps a port that no peer client
    // reconnecting meanwhile can be handed as its own local port.
    environment["ERP_PORT"] = String(try await Self.freePort())
    environment["ERP_OPS_PORT"] = "0"
    // The gateway's HTTP/2 door on a free port too, unless the caller chose one.
    environment["ERP_GATEWAY_HTTP2_PORT"] = options.variables["ERP_GATEWAY_HTTP2_PORT"] ?? "0"
    environment["ERP_JSON_PORT"] = "0"
    environment["ERP_DATABASE_URL"] = try await options.database(entry)
    environment["ERP_SERVICE_SECRET"] = Self.secret
    environment["ERP_DB_POOL_SIZE"] = String(options.poolSize)
    environment["ERP_DRAIN_SECONDS"] = String(options.drainSeconds)
    for peer in peers { environment[peer.entry.peerVariable] = "127.0.0.1:\(peer.port)" }
    if let gatewayPort = options.gatewayPort {
      if entry.name == Self.edge {
        environment["ERP_PORT"] = String(gatewayPort)
      } else {
        environment[ServiceCatalog.gateway.peerVariable] = "127.0.0.1:\(gatewayPort)"
      }
    }
    let configuration = try ServiceConfiguration(
      service: entry,
      options: try ServiceOptions.parse([]),
      environment: environment
    )
    return try await SystemMember(
      entry: entry,
      definition: definition,
      configuration: configuration,
      variables: environment,
      logger: options.logger
    )
  }
}

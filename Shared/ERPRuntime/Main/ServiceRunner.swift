public import ERPStore
import ERPTransport
import Foundation
import GRPCCore
public import Logging
import NIOConcurrencyHelpers
public import Prometheus
public import ServiceLifecycle

/// Runs one service process: the pool, the gRPC server with the standard interceptors, the ops
/// HTTP port and the start-up migration of every tenant, under one swift-service-lifecycle group
/// so that SIGTERM drains in-flight calls before the process exits.
public final class ServiceRunner: Sendable {
  public let configuration: ServiceConfiguration
  public let pool: ConnectionPool
  /// The service's background workers (``ServiceParts/background``), for a test that drives one
  /// (an outbox relay's `deliverPending`) instead of waiting for its next wake-up.
  public let background: [any Service]
  /// The service's metrics (what `/metrics` serves), for a test that reads one series.
  public let metrics: ServiceMetrics
  /// The servers beside the ERPT port (``ServiceParts/doors``), for a test that reads a port.
  public let doors: [any Service]
  /// What `grpc.health.v1.Health` reports on every port of the process.
  public let health: ServiceHealth
  private let transport: ERPTransport.Server
  private let ops: OpsServer
  private let group: ServiceGroup
  private let startup: StartupMigration
  private let logger: Logger
  /// Where this service's spans go (off unless the OTEL_* variables asked for tracing).
  public let tracer: ServiceTracer

  public init(
    definition: ServiceDefinition,
    configuration: ServiceConfiguration,
    logger: Logger,
    registry: PrometheusCollectorRegistry,
    variables: [String: String] = ProcessInfo.processInfo.environment,
    handlesSignals: Bool = true,
    tracing: ServiceTracing.Backend? = nil
  ) {
    self.configuration = configuration
    // Every line of this service names it (the JSON format's `service` field).
    var logger = logger
    if logger[metadataKey: "service"] == nil {
      logger[metadataKey: "service"] = "\(definition.name)"
    }
    self.logger = logger
    let metrics = ServiceMetrics(registry: registry, service: definition.name)
    self.metrics = metrics
    let tracer = tracing?.tracer ?? .off
    self.tracer = tracer
    var poolConfig = ConnectionPool.Config(conninfo: configuration.databaseURL)
    poolConfig.maxConnections = configuration.dbPoolSize
    poolConfig.minConnections = min(2, configuration.dbPoolSize)
    poolConfig.tracer = tracer
    let pool = ConnectionPool(config: poolConfig)
    self.pool = pool

    let peers = PeerClients(
      targets: configuration.peers,
      secret: configuration.serviceSecret,
      metrics: metrics,
      tracer: tracer
    )
    let environment = ServiceEnvironment(
      configuration: configuration,
      pool: pool,
      logger: logger,
      registry: registry,
      peers: peers,
      variables: variables,
      metrics: metrics,
      tracer: tracer
    )
    let parts = definition.make(environment)
    self.background = parts.background
    let registered: [any RegistrableRPCService] =
      [TenantAdminService(service: definition.name, pool: pool, migrations: definition.migrations)]
      + parts.services
    let health = ServiceHealth(
      services: ServiceHealth.names(of: registered).union([HealthService.name])
    )
    self.health = health
    let services: [any RegistrableRPCService] = registered + [HealthService(health: health)]
    var transportConfig = ERPTransport.Server.Config(
      host: configuration.host,
      port: configuration.port
    )
    transportConfig.gracePeriod = .seconds(Int64(configuration.drainSeconds))
    let transport = ERPTransport.Server(config: transportConfig)
    self.transport = transport
    let interceptors = environment.serverInterceptors(access: parts.access)
    let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
    let doors = parts.doors.map { door in
      door.make(
        ServiceDoor.Parts(
          services: services,
          interceptors: interceptors,
          health: health,
          host: configuration.host,
          drainSeconds: configuration.drainSeconds
        )
      )
    }
    self.doors = doors
    let doorServices = doors.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }

    let startup = StartupMigration(
      pool: pool,
      definition: definition,
      transport: transport,
      health: health,
      logger: logger
    )
    self.startup = startup
    let poolMetrics = PoolMetrics(pool: pool, metrics: metrics)
    metrics.beforeScrape { poolMetrics.update() }
    self.ops = OpsServer(
      host: configuration.host,
      port: configuration.opsPort,
      registry: registry,
      logger: logger,
      beforeScrape: { metrics.refresh() },
      readiness: {
        guard startup.isDone else { return "tenant migrations have not finished" }
        do {
          try await pool.withSession { try await $0.query("SELECT 1") }
          return nil
        } catch {
          return "database: \(error)"
        }
      }
    )
    self.group = ServiceGroup(
      configuration: ServiceGroupConfiguration(
        // Shut down in reverse: the server drains first, while peers and the outbox still work.
        // Tracing first, so it stops last and exports the spans of everything else's shutdown.
        services: (tracing.map {
          [ServiceGroupConfiguration.ServiceConfiguration(service: $0.service)]
        } ?? []) + [
          // A service with no peers has no connections to run: finishing early is fine.
          .init(service: PeerConnectionsService(peers: peers), successTerminationBehavior: .ignore)
        ]
          + parts.background.map { .init(service: $0) }
          + [
            .init(service: self.ops),
            .init(service: startup, successTerminationBehavior: .ignore),
            .init(service: GRPCServerService(server)),
          ] + doorServices
          // Last, so it goes first: NOT_SERVING before any server stops taking calls.
          + [.init(service: HealthDrain(health: health))],
        gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
        logger: logger
      )
    )
  }

  /// The RPC port, once listening (useful when configured with port 0).
  public var rpcPort: Int {
    get async throws { try await self.transport.listeningAddress.port ?? 0 }
  }

  /// The ops HTTP port, once listening.
  public var opsPort: Int {
    get async throws { try await self.ops.listeningPort }
  }

  /// Waits until every tenant schema is up to date (the moment `/readyz` turns ready): true, or
  /// false when the runner stopped first.
  @discardableResult
  public func migrated() async -> Bool {
    await self.startup.finished()
  }

  /// Serves until SIGTERM / SIGINT (or `shutdown()`), drains, then closes the pool.
  public func run() async throws {
    do {
      // Everything the group runs (handlers, workers) traces to this service's tracer.
      try await ServiceTracer.$current.withValue(self.tracer) { try await self.group.run() }
    } catch {
      self.startup.finish(migrated: false)
      await self.pool.shutdown()
      throw error
    }
    self.startup.finish(migrated: false)
    await self.pool.shutdown()
    self.logger.info("stopped")
  }

  /// Starts the same graceful shutdown SIGTERM does.
  public func shutdown() async {
    await self.group.triggerGracefulShutdown()
  }
}

/// Brings every tenant schema up to date at start-up, retrying while the database is unreachable;
/// the service reports not ready until it has. Several replicas may do this at once: the
/// per-schema advisory lock serialises them and the loser finds nothing left to do.
final class StartupMigration: Service, Sendable {
  private let pool: ConnectionPool
  private let definition: ServiceDefinition
  private let transport: ERPTransport.Server
  private let health: ServiceHealth
  private let logger: Logger
  /// Migrating (with the callers of ``finished()`` waiting), or finished: migrated or stopped.
  private let state = NIOLockedValueBox(State.migrating(waiting: []))

  private enum State {
    case migrating(waiting: [CheckedContinuation<Bool, Never>])
    case finished(migrated: Bool)
  }

  init(
    pool: ConnectionPool,
    definition: ServiceDefinition,
    transport: ERPTransport.Server,
    health: ServiceHealth,
    logger: Logger
  ) {
    self.pool = pool
    self.definition = definition
    self.transport = transport
    self.health = health
    self.logger = logger
  }

  var isDone: Bool {
    self.state.withLockedValue {
      if case .finished(migrated: true) = $0 { return true }
      return false
    }
  }

  /// Returns once finished: true when migrated, false when the runner stopped first.
  func finished() async -> Bool {
    await withCheckedContinuation { continuation in
      let answer: Bool? = self.state.withLockedValue { state in
        switch state {
        case .migrating(var waiting):
          waiting.append(continuation)
          state = .migrating(waiting: waiting)
          return nil
        case .finished(let migrated):
          return migrated
        }
      }
      if let answer { continuation.resume(returning: answer) }
    }
  }

  /// Finishes (the first call decides how) and wakes whoever waits.
  func finish(migrated: Bool) {
    let waiting = self.state.withLockedValue { state in
      guard case .migrating(let waiting) = state else {
        return [CheckedContinuation<Bool, Never>]()
      }
      state = .finished(migrated: migrated)
      return waiting
    }
    for continuation in waiting { continuation.resume(returning: migrated) }
  }

  func run() async throws {
    if let port = try? await self.transport.listeningAddress.port {
      self.logger.info("RPC listening", metadata: ["port": "\(port)"])
    }
    var delay = Duration.milliseconds(200)
    while !Task.isCancelled {
      do {
        try await self.definition.prepareDatabase(self.pool)
        let migrated = try await self.pool.migrateAll(migrations: self.definition.migrations)
        self.logger.info("tenant schemas up to date", metadata: ["migrated": "\(migrated)"])
        self.finish(migrated: true)
        self.health.markMigrated()
        // Stay a member of the group until it shuts down: a service that finishes while the
        // group is shutting another one down counts as an unexpected exit.
        try? await gracefulShutdown()
        return
      } catch {
        self.logger.warning("start-up migration failed; retrying", metadata: ["error": "\(error)"])
        try? await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(5))
      }
    }
  }
}

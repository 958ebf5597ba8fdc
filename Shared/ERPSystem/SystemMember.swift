public import ERPRuntime
public import ERPStore
import Logging
import NIOConcurrencyHelpers
import Prometheus

/// One service of an ``InProcessSystem``: its production runner (TenantAdmin, the standard
/// interceptors including authentication and field limits, the ops port, start-up migration,
/// peer connections and its background workers) on a loopback port. It can be stopped and
/// started again on the same port, as a process that crashed and was restarted, or replaced on
/// that port by the service's real executable (``processEnvironment``).
public final class SystemMember: Sendable {
  public let entry: ServiceEntry
  public let definition: ServiceDefinition
  /// The RPC port, the same across restarts.
  public let port: Int
  /// A pool of the test's own on the service's database, open while the system runs whether the
  /// service is running, stopped or replaced by a process: for direct SQL checks of what the
  /// service wrote, and for provisioning. The runner's own pool closes when the runner stops.
  public let pool: ConnectionPool
  private let configuration: ServiceConfiguration
  private let variables: [String: String]
  private let logger: Logger
  private let running = NIOLockedValueBox<Running?>(nil)

  private struct Running: Sendable {
    var runner: ServiceRunner
    var task: Task<Void, any Error>
  }

  /// Starts the runner and returns once it listens and every tenant schema is up to date.
  /// `pool` is the test's pool on the same database (a new one when `nil`, which ``close()``
  /// shuts down; a replica shares its primary's).
  init(
    entry: ServiceEntry,
    definition: ServiceDefinition,
    configuration: ServiceConfiguration,
    variables: [String: String],
    logger: Logger,
    pool: ConnectionPool? = nil
  ) async throws {
    self.entry = entry
    self.definition = definition
    self.variables = variables
    self.logger = logger
    self.pool = pool ?? Self.inspectionPool(configuration.databaseURL)
    let running: Running
    do {
      running = try await Self.start(definition, configuration, variables, logger)
    } catch {
      if pool == nil { await self.pool.shutdown() }
      throw error
    }
    self.port = try await running.runner.rpcPort
    var fixed = configuration
    fixed.port = self.port
    self.configuration = fixed
    self.running.withLockedValue { $0 = running }
  }

  /// The conninfo of the service's database.
  public var databaseURL: String { self.configuration.databaseURL }

  /// The environment that runs the service's executable in this member's place, after
  /// ``stop()``: the same database, secret, peers and RPC port (so its callers reach it where
  /// they reached the member), the ops port `opsPort`.
  public func processEnvironment(opsPort: Int) -> [String: String] {
    var environment = self.variables
    environment["ERP_PORT"] = String(self.port)
    environment["ERP_OPS_PORT"] = String(opsPort)
    return environment
  }

  /// The running service's background worker of type `W` (its outbox relay, say), for a test
  /// that drives it; `nil` when stopped or when the service runs none.
  public func worker<W: Sendable>(_ type: W.Type) -> W? {
    let workers = self.running.withLockedValue { $0?.runner.background } ?? []
    return workers.lazy.compactMap { $0 as? W }.first
  }

  /// The running service's server of type `D` beside its ERPT port (the gateway's HTTP/2
  /// door), for a test that reads its port; `nil` when stopped or when the service has none.
  public func door<D: Sendable>(_ type: D.Type) -> D? {
    let doors = self.running.withLockedValue { $0?.runner.doors } ?? []
    return doors.lazy.compactMap { $0 as? D }.first
  }

  /// What the running service's health service reports; `nil` when stopped.
  public var health: ServiceHealth? {
    self.running.withLockedValue { $0?.runner.health }
  }

  /// The running service's metrics (what its `/metrics` serves); `nil` when stopped.
  public var metrics: ServiceMetrics? {
    self.running.withLockedValue { $0?.runner.metrics }
  }

  /// The ops HTTP port of the running service.
  public var opsPort: Int {
    get async throws {
      guard let runner = self.running.withLockedValue({ $0?.runner }) else {
        throw SystemError(message: "\(self.entry.name) is stopped")
      }
      return try await runner.opsPort
    }
  }

  /// Drains and stops the service, as SIGTERM does, and waits until it has.
  public func stop() async {
    let running = self.running.withLockedValue { running in
      defer { running = nil }
      return running
    }
    guard let running else { return }
    await running.runner.shutdown()
    _ = await running.task.result
  }

  /// Starts the service again on the same port after ``stop()``.
  public func start() async throws {
    let running = try await Self.start(
      self.definition,
      self.configuration,
      self.variables,
      self.logger
    )
    self.running.withLockedValue { $0 = running }
  }

  /// Closes the test's pool, once the member (and its replicas) stopped for good.
  func close() async {
    await self.pool.shutdown()
  }

  /// Another replica of this service on the same database and peers, on a port of its own; the
  /// caller stops it.
  public func replica() async throws -> SystemMember {
    var configuration = self.configuration
    configuration.port = 0
    return try await SystemMember(
      entry: self.entry,
      definition: self.definition,
      configuration: configuration,
      variables: self.variables,
      logger: self.logger,
      pool: self.pool
    )
  }

  private static func inspectionPool(_ conninfo: String) -> ConnectionPool {
    var config = ConnectionPool.Config(conninfo: conninfo)
    config.maxConnections = 2
    config.minConnections = 0
    return ConnectionPool(config: config)
  }

  private static func start(
    _ definition: ServiceDefinition,
    _ configuration: ServiceConfiguration,
    _ variables: [String: String],
    _ logger: Logger
  ) async throws -> Running {
    // Tracing is process-global only for a process that runs one service: here each service
    // gets a tracer (and exporter) of its own, so its spans carry its own service.name.
    let executable = ServiceCatalog.entry(named: definition.name)?.executable ?? definition.name
    let runner = ServiceRunner(
      definition: definition,
      configuration: configuration,
      logger: logger,
      registry: PrometheusCollectorRegistry(),
      variables: variables,
      handlesSignals: false,
      tracing: try ServiceTracing.backend(service: executable, variables: variables, logger: logger)
    )
    let task = Task { try await runner.run() }
    do {
      _ = try await runner.rpcPort
      guard await runner.migrated() else {
        try await task.value
        throw SystemError(message: "\(definition.name) stopped before it was migrated")
      }
    } catch {
      await runner.shutdown()
      _ = await task.result
      throw error
    }
    return Running(runner: runner, task: task)
  }
}

/// The in-process system could not start a service.
public struct SystemError: Error, CustomStringConvertible {
  public var message: String
  public var description: String { self.message }
}

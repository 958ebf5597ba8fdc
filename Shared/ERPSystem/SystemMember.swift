public import ERPRuntime
public import ERPStore
import Logging
import NIOConcurrencyHelpers
import Prometheus

/// One service of an ``InProcessSystem``: its production runner (TenantAdmin, the standard
/// interceptors including authentication and field limits, the ops port, start-up migration,
/// peer connections and its background workers) on a loopback port. It can be stopped and
/// started again on the same port, as a process that crashed and was restarted.
public final class SystemMember: Sendable {
  public let entry: ServiceEntry
  public let definition: ServiceDefinition
  /// The RPC port, the same across restarts.
  public let port: Int
  private let configuration: ServiceConfiguration
  private let variables: [String: String]
  private let logger: Logger
  private let running = NIOLockedValueBox<Running?>(nil)
  /// The latest runner's pool: kept after a stop, for a test to look at what was written.
  private let lastPool: NIOLockedValueBox<ConnectionPool>

  private struct Running: Sendable {
    var runner: ServiceRunner
    var task: Task<Void, any Error>
  }

  /// Starts the runner and returns once it listens and every tenant schema is up to date.
  init(
    entry: ServiceEntry,
    definition: ServiceDefinition,
    configuration: ServiceConfiguration,
    variables: [String: String],
    logger: Logger
  ) async throws {
    self.entry = entry
    self.definition = definition
    self.variables = variables
    self.logger = logger
    let running = try await Self.start(definition, configuration, variables, logger)
    self.port = try await running.runner.rpcPort
    var fixed = configuration
    fixed.port = self.port
    self.configuration = fixed
    self.lastPool = NIOLockedValueBox(running.runner.pool)
    self.running.withLockedValue { $0 = running }
  }

  /// The running service's database pool (the last one's after a stop).
  public var pool: ConnectionPool { self.lastPool.withLockedValue { $0 } }

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
    self.lastPool.withLockedValue { $0 = running.runner.pool }
    self.running.withLockedValue { $0 = running }
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
      logger: self.logger
    )
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

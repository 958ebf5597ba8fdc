public import ERPStore
public import GRPCCore
public import Logging
public import Prometheus

/// What a domain service brings to the shared runtime: its name in the catalog, its versioned
/// migrations, and its RPC services built on the runtime's pool and logger.
public struct ServiceDefinition: Sendable {
  public var name: String
  /// Statements run once per database, as the service's login role, before any tenant is
  /// migrated: what tenant roles may not do themselves, such as creating an extension. They must
  /// be idempotent (`CREATE EXTENSION IF NOT EXISTS …`).
  public var databaseSetup: [String]
  public var migrations: [Migration]
  public var makeServices: @Sendable (ServiceEnvironment) -> [any RegistrableRPCService]

  public init(
    name: String,
    databaseSetup: [String] = [],
    migrations: [Migration],
    makeServices: @escaping @Sendable (ServiceEnvironment) -> [any RegistrableRPCService]
  ) {
    self.name = name
    self.databaseSetup = databaseSetup
    self.migrations = migrations
    self.makeServices = makeServices
  }

  /// Runs `databaseSetup` (each statement alone, outside any tenant).
  public func prepareDatabase(_ pool: ConnectionPool) async throws {
    for statement in self.databaseSetup {
      try await pool.withSession { try await $0.query(statement) }
    }
  }
}

/// What a service's handlers are given: the database pool, configuration, logger and metrics.
public struct ServiceEnvironment: Sendable {
  public let configuration: ServiceConfiguration
  public let pool: ConnectionPool
  public let logger: Logger
  public let registry: PrometheusCollectorRegistry
}

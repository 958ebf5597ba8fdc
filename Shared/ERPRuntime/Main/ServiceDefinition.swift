public import ERPStore
public import GRPCCore
public import Logging
public import Prometheus

/// What a domain service brings to the shared runtime: its name in the catalog, its versioned
/// migrations, and its RPC services built on the runtime's pool and logger.
public struct ServiceDefinition: Sendable {
  public var name: String
  public var migrations: [Migration]
  public var makeServices: @Sendable (ServiceEnvironment) -> [any RegistrableRPCService]

  public init(
    name: String,
    migrations: [Migration],
    makeServices: @escaping @Sendable (ServiceEnvironment) -> [any RegistrableRPCService]
  ) {
    self.name = name
    self.migrations = migrations
    self.makeServices = makeServices
  }
}

/// What a service's handlers are given: the database pool, configuration, logger and metrics.
public struct ServiceEnvironment: Sendable {
  public let configuration: ServiceConfiguration
  public let pool: ConnectionPool
  public let logger: Logger
  public let registry: PrometheusCollectorRegistry
}

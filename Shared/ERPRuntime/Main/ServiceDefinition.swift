public import ERPStore
public import GRPCCore
public import Logging
public import Prometheus
public import ServiceLifecycle

/// What a domain service brings to the shared runtime: its name in the catalog, its database
/// set-up and versioned migrations, and ``make``, which builds everything the process runs
/// (``ServiceParts``) from the runtime's environment. Every executable, the in-process system
/// the tests and benchmarks use, and `migrate-all` read this one value, so none of them wires a
/// service differently.
public struct ServiceDefinition: Sendable {
  public var name: String
  /// Statements run once per database, as the service's login role, before any tenant is
  /// migrated: what tenant roles may not do themselves, such as creating an extension. They must
  /// be idempotent (`CREATE EXTENSION IF NOT EXISTS …`).
  public var databaseSetup: [String]
  /// Schemas the service keeps outside every tenant (the gateway's registry), migrated after
  /// `databaseSetup` with the same versioned runner as the tenants' schemas.
  public var ownSchemas: [OwnSchema]
  public var migrations: [Migration]
  /// Builds the service's parts on the runner's pool, peers and logger; called once per runner.
  public var make: @Sendable (ServiceEnvironment) -> ServiceParts

  public init(
    name: String,
    databaseSetup: [String] = [],
    ownSchemas: [OwnSchema] = [],
    migrations: [Migration],
    make: @escaping @Sendable (ServiceEnvironment) -> ServiceParts
  ) {
    self.name = name
    self.databaseSetup = databaseSetup
    self.ownSchemas = ownSchemas
    self.migrations = migrations
    self.make = make
  }

  /// Runs `databaseSetup` (each statement alone, outside any tenant), then migrates the
  /// service's own schemas.
  public func prepareDatabase(_ pool: ConnectionPool) async throws {
    try await Self.prepare(self.databaseSetup, on: pool)
    for schema in self.ownSchemas { try await pool.migrate(schema) }
  }

  /// Runs set-up statements. Two processes doing this at once (replicas starting together, or
  /// parallel tests) can both pass an `IF NOT EXISTS` and collide on the catalog's unique
  /// index (or, granting, on the same catalog row: "tuple concurrently updated"); the loser
  /// runs its statement again and finds the work done.
  public static func prepare(_ statements: [String], on pool: ConnectionPool) async throws {
    for statement in statements {
      do {
        try await pool.withSession { try await $0.query(statement) }
      } catch let error as PostgresError
        where ["23505", "42P06", "42P07", "42710", "XX000"].contains(error.sqlState ?? "")
      {
        try await pool.withSession { try await $0.query(statement) }
      }
    }
  }
}

/// Everything one service process runs besides what the runtime adds to every service
/// (TenantAdmin, the standard interceptors, the ops port, start-up migration, peer connections).
public struct ServiceParts: Sendable {
  /// The RPC services the server registers.
  public var services: [any RegistrableRPCService]
  /// Workers that run beside the server for the life of the process: outbox relays, recovery of
  /// interrupted sagas, the gateway's audit writer. They shut down after the server has drained.
  public var background: [any Service]
  /// Who may call, and in which tenant. `nil` means the services' shared secret and
  /// `x-erp-tenant` (``ServiceAuthInterceptor``, ``TenantInterceptor``); the gateway, which
  /// partners call with API keys, brings its own.
  public var access: [any ServerInterceptor]?
  /// Servers beside the ERPT port on the same services and interceptors (the gateway's HTTP/2).
  public var doors: [ServiceDoor]

  public init(
    services: [any RegistrableRPCService],
    background: [any Service] = [],
    access: [any ServerInterceptor]? = nil,
    doors: [ServiceDoor] = []
  ) {
    self.services = services
    self.background = background
    self.access = access
    self.doors = doors
  }
}

/// What a service's parts are built on: the database pool, configuration, logger, metrics, the
/// clients of the other services, and the environment variables the configuration was read from
/// (for settings only one service has, such as the gateway's operator token).
public struct ServiceEnvironment: Sendable {
  public let configuration: ServiceConfiguration
  public let pool: ConnectionPool
  public let logger: Logger
  public let registry: PrometheusCollectorRegistry
  /// The service's metrics on `registry`, through swift-metrics (what its workers report).
  public let metrics: ServiceMetrics
  public let peers: PeerClients
  public let variables: [String: String]
  /// Where the service's spans go (off unless the OTEL_* variables asked for tracing).
  public let tracer: ServiceTracer

  public init(
    configuration: ServiceConfiguration,
    pool: ConnectionPool,
    logger: Logger,
    registry: PrometheusCollectorRegistry,
    peers: PeerClients,
    variables: [String: String],
    metrics: ServiceMetrics? = nil,
    tracer: ServiceTracer = .off
  ) {
    self.metrics =
      metrics ?? ServiceMetrics(registry: registry, service: configuration.service.name)
    self.configuration = configuration
    self.pool = pool
    self.logger = logger
    self.registry = registry
    self.peers = peers
    self.variables = variables
    self.tracer = tracer
  }

  /// The interceptors every door of the service runs its calls through, outermost first:
  /// tracing, metrics, logging, field limits, then `access` (the service's own) or, when `nil`,
  /// the services' shared secret and `x-erp-tenant`. The ERPT server uses them, and so does any
  /// other door in front of the same services (the gateway's JSON door), so that no door skips
  /// a check.
  public func serverInterceptors(access: [any ServerInterceptor]?) -> [any ServerInterceptor] {
    [
      // Outermost, so the span covers the others and their log lines carry its ids. A
      // service with access of its own (the gateway) faces partners: it does not continue
      // their traces.
      TracingServerInterceptor(tracer: self.tracer, trustsCaller: access == nil),
      RPCMetricsInterceptor(metrics: self.metrics), LoggingInterceptor(logger: self.logger),
      RequestValidationInterceptor(),
    ]
      + (access
      ?? [
        ServiceAuthInterceptor(secret: self.configuration.serviceSecret),
        TenantInterceptor(pool: self.pool),
      ]).map { OpenServices($0) as any ServerInterceptor }  // health and reflection need no key
  }
}

public import ERPStore
public import GRPCCore
public import Logging
import NIOConcurrencyHelpers
public import Prometheus
public import ServiceLifecycle

/// What a domain service brings to the shared runtime: its name in the catalog, its versioned
/// migrations, and its RPC services built on the runtime's pool and logger.
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
  public var makeServices: @Sendable (ServiceEnvironment) -> [any RegistrableRPCService]
  /// Who may call, and in which tenant: by default the services' shared secret and
  /// `x-erp-tenant` (``ServiceAuthInterceptor``, ``TenantInterceptor``). The gateway, which
  /// partners call with API keys, brings its own.
  public var makeAccessInterceptors: (@Sendable (ServiceEnvironment) -> [any ServerInterceptor])?

  public init(
    name: String,
    databaseSetup: [String] = [],
    ownSchemas: [OwnSchema] = [],
    migrations: [Migration],
    makeServices: @escaping @Sendable (ServiceEnvironment) -> [any RegistrableRPCService],
    makeAccessInterceptors: (@Sendable (ServiceEnvironment) -> [any ServerInterceptor])? = nil
  ) {
    self.name = name
    self.databaseSetup = databaseSetup
    self.ownSchemas = ownSchemas
    self.migrations = migrations
    self.makeServices = makeServices
    self.makeAccessInterceptors = makeAccessInterceptors
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

/// What a service's handlers are given: the database pool, configuration, logger, metrics and
/// the clients of the other services.
public struct ServiceEnvironment: Sendable {
  public let configuration: ServiceConfiguration
  public let pool: ConnectionPool
  public let logger: Logger
  public let registry: PrometheusCollectorRegistry
  public let peers: PeerClients
  let background: BackgroundWork

  /// Runs `service` (an outbox relay, say) beside the RPC server for the life of the process;
  /// call from `makeServices`.
  public func runInBackground(_ service: any Service) {
    self.background.add(service)
  }
}

/// What `makeServices` asked to run in the background.
final class BackgroundWork: Sendable {
  private let services = NIOLockedValueBox<[any Service]>([])

  func add(_ service: any Service) { self.services.withLockedValue { $0.append(service) } }

  var all: [any Service] { self.services.withLockedValue { $0 } }
}

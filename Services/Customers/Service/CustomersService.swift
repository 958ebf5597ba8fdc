public import ERPRuntime
public import ERPStore
public import GRPCCore

/// The customers service as the runtime sees it: its database set-up, migrations and services.
public enum CustomersService {
  public static let definition = ServiceDefinition(
    name: "customers",
    databaseSetup: CustomersMigrations.databaseSetup,
    migrations: CustomersMigrations.all,
    make: { environment in ServiceParts(services: Self.services(pool: environment.pool)) }
  )

  /// The RPC services on a pool (the tests serve them directly).
  public static func services(pool: ConnectionPool) -> [any RegistrableRPCService] {
    [
      CustomersAPI(pool: pool), InteractionsAPI(pool: pool), PipelineAPI(pool: pool),
      InsightsAPI(pool: pool),
    ]
  }
}

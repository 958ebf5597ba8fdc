public import ERPRuntime
public import ERPStore
public import GRPCCore

/// The customers service as the runtime sees it: its database set-up, migrations, services and
/// the outbox relay that hands its partner events (customer and opportunity facts) to the
/// gateway.
public enum CustomersService {
  public static let definition = ServiceDefinition(
    name: "customers",
    databaseSetup: CustomersMigrations.databaseSetup,
    migrations: CustomersMigrations.all,
    make: { environment in
      let relay = PartnerEvents.relay(environment)
      return ServiceParts(
        services: Self.services(pool: environment.pool, relay: relay),
        background: [relay]
      )
    }
  )

  /// The RPC services on a pool (the tests serve them directly, without a relay: their events
  /// stay queued).
  public static func services(
    pool: ConnectionPool,
    relay: OutboxRelay? = nil
  ) -> [any RegistrableRPCService] {
    [
      CustomersAPI(pool: pool, relay: relay), InteractionsAPI(pool: pool),
      PipelineAPI(pool: pool, relay: relay), InsightsAPI(pool: pool),
    ]
  }
}

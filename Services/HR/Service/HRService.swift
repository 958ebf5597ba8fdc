public import ERPRuntime
public import ERPStore
public import GRPCCore
public import Logging

/// The HR service as the runtime sees it: database set-up (btree_gist), migrations, the five
/// APIs, and the outbox relay that delivers payroll entries to finance (peer `finance`).
public enum HRService {
  public static let definition = ServiceDefinition(
    name: "hr",
    databaseSetup: HRMigrations.databaseSetup,
    migrations: HRMigrations.all,
    make: { environment in
      let relay = FinancePostings.relay(
        pool: environment.pool,
        peers: environment.peers,
        logger: environment.logger,
        metrics: environment.metrics
      )
      return ServiceParts(
        services: Self.services(pool: environment.pool, relay: relay),
        background: [relay]
      )
    }
  )

  /// The RPC services (the tests serve them directly).
  public static func services(
    pool: ConnectionPool,
    relay: OutboxRelay
  ) -> [any RegistrableRPCService] {
    let context = HRContext(pool: pool, relay: relay)
    return [
      PeopleAPI(pool: pool), SchedulingAPI(pool: pool), LeaveAPI(pool: pool),
      TimesheetsAPI(pool: pool), PayrollAPI(context: context),
    ]
  }
}

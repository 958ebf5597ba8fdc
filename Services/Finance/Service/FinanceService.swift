public import ERPRuntime
public import ERPStore
public import GRPCCore

/// The finance service as the runtime sees it: its migrations, its RPC services and the outbox
/// relay that hands its partner events (invoices issued and paid, payments) to the gateway.
public enum FinanceService {
  public static let definition = ServiceDefinition(
    name: "finance",
    migrations: FinanceMigrations.all,
    make: { environment in
      let relay = PartnerEvents.relay(environment)
      return ServiceParts(
        services: Self.services(pool: environment.pool, relay: relay),
        background: [relay]
      )
    }
  )

  /// The RPC services on a pool (other services' tests serve them as a real peer, without a
  /// relay: their events stay queued).
  public static func services(
    pool: ConnectionPool,
    relay: OutboxRelay? = nil
  ) -> [any RegistrableRPCService] {
    [LedgerAPI(pool: pool), BillingAPI(pool: pool, relay: relay), BankingAPI(pool: pool)]
  }
}

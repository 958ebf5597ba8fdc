public import ERPRuntime
public import ERPStore
public import GRPCCore

/// The finance service as the runtime sees it: its migrations and its RPC services.
public enum FinanceService {
  public static let definition = ServiceDefinition(
    name: "finance",
    migrations: FinanceMigrations.all,
    make: { environment in ServiceParts(services: Self.services(pool: environment.pool)) }
  )

  /// The RPC services on a pool (other services' tests serve them as a real peer).
  public static func services(pool: ConnectionPool) -> [any RegistrableRPCService] {
    [LedgerAPI(pool: pool), BillingAPI(pool: pool), BankingAPI(pool: pool)]
  }
}

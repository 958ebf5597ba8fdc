import ERPRuntime
import ERPStore
import GRPCCore

/// The finance service as the runtime sees it: its migrations and its RPC services.
public enum FinanceService {
  public static let definition = ServiceDefinition(
    name: "finance",
    migrations: FinanceMigrations.all,
    makeServices: { environment in
      [LedgerAPI(pool: environment.pool), BillingAPI(pool: environment.pool)]
    }
  )
}

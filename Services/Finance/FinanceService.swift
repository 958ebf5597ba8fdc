import ERPRuntime
import ERPStore
import GRPCCore

/// The finance service as the runtime sees it: its migrations and its RPC services.
enum FinanceService {
  static let definition = ServiceDefinition(
    name: "finance",
    migrations: FinanceMigrations.all,
    makeServices: { _ in [] }
  )
}

import BenchmarkSupport
import ERPStore
import Finance

extension BenchServer {
  /// A pool on a new database with one finance tenant provisioned.
  func financeTenant(
    _ database: String,
    connections: Int
  ) async throws -> (ConnectionPool, TenantID) {
    var config = ConnectionPool.Config(conninfo: try await self.database(database))
    config.maxConnections = connections
    let pool = ConnectionPool(config: config)
    let tenant = try TenantID(validating: "bench")
    try await pool.provision(tenant, migrations: FinanceMigrations.all)
    return (pool, tenant)
  }
}

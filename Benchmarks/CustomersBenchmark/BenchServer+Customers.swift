import BenchmarkSupport
import Customers
import ERPStore

extension BenchServer {
  /// A pool on a fresh database with the customers set-up done and `tenants` provisioned.
  func customersDatabase(
    _ name: String,
    tenants: [TenantID],
    connections: Int = 4
  ) async throws -> ConnectionPool {
    var config = ConnectionPool.Config(conninfo: try await self.database(name))
    config.maxConnections = connections
    let pool = ConnectionPool(config: config)
    try await CustomersService.definition.prepareDatabase(pool)
    for tenant in tenants { try await pool.provision(tenant, migrations: CustomersMigrations.all) }
    return pool
  }
}

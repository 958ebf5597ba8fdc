import Customers
import ERPStore
import Foundation

func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double, _ digits: Int = 2) -> String {
  String(format: "%.\(digits)f", value)
}

/// The PostgreSQL the benchmarks use: `ERP_BENCH_DATABASE_URL`, or a private durable cluster.
struct BenchServer {
  let conninfo: String
  let cluster: PrivateCluster?

  static func start() throws -> BenchServer {
    if let url = ProcessInfo.processInfo.environment["ERP_BENCH_DATABASE_URL"] {
      return BenchServer(conninfo: url, cluster: nil)
    }
    let cluster = try PrivateCluster.start(
      in: NSTemporaryDirectory() + "erp-customers-bench-\(getpid())"
    )
    return BenchServer(conninfo: cluster.conninfo(database: "postgres"), cluster: cluster)
  }

  /// A fresh database with the customers set-up done and `tenants` provisioned.
  func database(
    _ name: String,
    tenants: [TenantID],
    connections: Int = 4
  ) async throws -> ConnectionPool {
    let admin = ConnectionPool(config: .init(conninfo: self.conninfo))
    try await admin.withSession { session in
      try await session.query("DROP DATABASE IF EXISTS \"\(name)\"")
      try await session.query("CREATE DATABASE \"\(name)\"")
    }
    await admin.shutdown()
    var config = ConnectionPool.Config(conninfo: self.conninfo + " dbname=\(name)")
    config.maxConnections = connections
    let pool = ConnectionPool(config: config)
    try await CustomersService.definition.prepareDatabase(pool)
    for tenant in tenants { try await pool.provision(tenant, migrations: CustomersMigrations.all) }
    return pool
  }

  func stop() {
    guard let cluster else { return }
    try? cluster.stop()
    try? FileManager.default.removeItem(atPath: cluster.directory)
  }
}

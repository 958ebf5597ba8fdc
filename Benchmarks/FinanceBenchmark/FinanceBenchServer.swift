import ERPStore
import Finance
import Foundation

/// Prints a line at once (stdout to a pipe is block-buffered).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func format(_ value: Double, _ digits: Int = 2) -> String {
  String(format: "%.\(digits)f", value)
}

/// The PostgreSQL the finance benchmarks use, with a fresh database per benchmark.
struct FinanceBenchServer {
  let conninfo: String
  let cluster: PrivateCluster?

  static func start() throws -> FinanceBenchServer {
    if let url = ProcessInfo.processInfo.environment["ERP_BENCH_DATABASE_URL"] {
      return FinanceBenchServer(conninfo: url, cluster: nil)
    }
    let directory = NSTemporaryDirectory() + "erp-finance-bench-\(getpid())"
    let cluster = try PrivateCluster.start(in: directory)
    return FinanceBenchServer(conninfo: cluster.conninfo(database: "postgres"), cluster: cluster)
  }

  func database(_ name: String) async throws -> String {
    let pool = ConnectionPool(config: .init(conninfo: self.conninfo))
    try await pool.withSession { session in
      try await session.query("DROP DATABASE IF EXISTS \"\(name)\"")
      try await session.query("CREATE DATABASE \"\(name)\"")
    }
    await pool.shutdown()
    return self.conninfo + " dbname=\(name)"
  }

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

  func stop() {
    guard let cluster else { return }
    try? cluster.stop()
    try? FileManager.default.removeItem(atPath: cluster.directory)
  }
}

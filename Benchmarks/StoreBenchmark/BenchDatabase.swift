import ERPStore
import Foundation

/// The server the benchmarks run against: `ERP_BENCH_DATABASE_URL` (a key=value conninfo), or a
/// private cluster in a temporary folder, durable like production, stopped at the end.
struct BenchDatabase {
  let conninfo: String
  let cluster: PrivateCluster?

  static func start() throws -> BenchDatabase {
    if let url = ProcessInfo.processInfo.environment["ERP_BENCH_DATABASE_URL"] {
      return BenchDatabase(conninfo: url, cluster: nil)
    }
    let directory = NSTemporaryDirectory() + "erp-store-bench-\(getpid())"
    let cluster = try PrivateCluster.start(in: directory)
    return BenchDatabase(conninfo: cluster.conninfo(database: "postgres"), cluster: cluster)
  }

  /// A fresh database for one benchmark, so their tenants do not mix.
  func database(_ name: String) async throws -> String {
    let pool = ConnectionPool(config: .init(conninfo: self.conninfo))
    try await pool.withSession { session in
      try await session.query("DROP DATABASE IF EXISTS \"\(name)\"")
      try await session.query("CREATE DATABASE \"\(name)\"")
    }
    await pool.shutdown()
    return self.conninfo + " dbname=\(name)"
  }

  func pool(_ conninfo: String, connections: Int) -> ConnectionPool {
    var config = ConnectionPool.Config(conninfo: conninfo)
    config.maxConnections = connections
    config.minConnections = connections
    return ConnectionPool(config: config)
  }

  func stop() {
    guard let cluster else { return }
    try? cluster.stop()
    try? FileManager.default.removeItem(atPath: cluster.directory)
  }
}

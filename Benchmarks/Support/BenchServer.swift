public import ERPDevCluster
public import ERPStore
import Foundation

/// The server every benchmark runs against: `ERP_BENCH_DATABASE_URL` (a key=value conninfo), or a
/// private cluster in a temporary folder, durable like production, stopped at the end.
public struct BenchServer: Sendable {
  public let conninfo: String
  public let cluster: PrivateCluster?

  public static func start(label: String) async throws -> BenchServer {
    if let url = ProcessInfo.processInfo.environment["ERP_BENCH_DATABASE_URL"] {
      return BenchServer(conninfo: url, cluster: nil)
    }
    let directory = NSTemporaryDirectory() + "erp-\(label)-bench-\(getpid())"
    let cluster = try await PrivateCluster.start(in: directory)
    return BenchServer(conninfo: cluster.conninfo(database: "postgres"), cluster: cluster)
  }

  /// A fresh database for one benchmark, so their tenants do not mix.
  public func database(_ name: String) async throws -> String {
    let pool = ConnectionPool(config: .init(conninfo: self.conninfo))
    try await pool.withSession { session in
      try await session.query("DROP DATABASE IF EXISTS \"\(name)\"")
      try await session.query("CREATE DATABASE \"\(name)\"")
    }
    await pool.shutdown()
    return self.conninfo + " dbname=\(name)"
  }

  public func pool(_ conninfo: String, connections: Int) -> ConnectionPool {
    var config = ConnectionPool.Config(conninfo: conninfo)
    config.maxConnections = connections
    config.minConnections = connections
    return ConnectionPool(config: config)
  }

  public func stop() async {
    guard let cluster else { return }
    try? await cluster.stop()
    try? FileManager.default.removeItem(atPath: cluster.directory)
  }
}

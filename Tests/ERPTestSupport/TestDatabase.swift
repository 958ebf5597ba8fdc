import ERPDevCluster
public import ERPStore
import Foundation

/// The database the tests use (a library for test targets only): `ERP_TEST_DATABASE_URL` when set, else a private cluster
/// started once per test process in a temporary folder (fsync off) and stopped at exit.
public enum TestDatabase {
  private static let started = Task<String, any Error> { try await TestDatabase.start() }
  private static let server = Task<String, any Error> { try await TestDatabase.startServer() }

  /// Through PgBouncer in the pooled run (``TestPgBouncer``), else the server's.
  public static func conninfo() async throws -> String { try await self.started.value }

  /// The server itself, never through a pooler.
  public static func directConninfo() async throws -> String { try await self.server.value }

  public static func pool(
    maxConnections: Int = 8,
    configure: (inout ConnectionPool.Config) -> Void = { _ in }
  )
    async throws -> ConnectionPool
  {
    var config = ConnectionPool.Config(conninfo: try await self.conninfo())
    config.maxConnections = maxConnections
    configure(&config)
    return ConnectionPool(config: config)
  }

  /// A pool on a database of its own, for tests that look at every tenant in a database (other
  /// tests provision tenants in the shared one concurrently).
  public static func isolatedPool(
    _ database: String,
    maxConnections: Int = 8
  ) async throws -> ConnectionPool {
    var config = ConnectionPool.Config(conninfo: try await self.isolatedConninfo(database))
    config.maxConnections = maxConnections
    return ConnectionPool(config: config)
  }

  /// The conninfo of a database of its own, created when missing. Needs a keyword-form conninfo.
  public static func isolatedConninfo(_ database: String) async throws -> String {
    let shared = try await self.pool(maxConnections: 1)
    do {
      try await shared.withSession { session in
        let exists = try await session.query(
          "SELECT 1 FROM pg_database WHERE datname = $1",
          [database]
        )
        if exists.isEmpty { try await session.query("CREATE DATABASE \"\(database)\"") }
      }
    } catch let error as PostgresError where ["23505", "42P04"].contains(error.sqlState ?? "") {
      // A concurrent test created it between the check and the CREATE: just as good.
    }
    await shared.shutdown()
    return try await self.conninfo() + " dbname=\(database)"
  }

  /// A tenant id no other test uses.
  public static func uniqueTenant(_ prefix: String = "t") -> TenantID {
    try! TenantID(validating: self.uniqueName(prefix))
  }

  /// `prefix` and twelve hex digits no other test uses.
  public static func uniqueName(_ prefix: String) -> String {
    prefix + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
  }

  /// Runs `body` with a name prefix of its own (`prefix` and twelve hex digits), for databases
  /// of one test's system only (`<name>_<service>` through ``isolatedConninfo(_:)``), and drops
  /// every database with that prefix afterwards. For systems whose background workers visit
  /// every tenant of their database at start-up (the sales recovery, the outbox relays): on a
  /// database shared with concurrent tests, one test's workers would finish, deliver or fail
  /// another test's orders, with that other test's service stopped or faulty.
  public static func withOwnDatabases<T: Sendable>(
    _ prefix: String,
    _ body: (String) async throws -> T
  ) async throws -> T {
    let name = self.uniqueName(prefix)
    do {
      let result = try await body(name)
      await self.dropDatabases(startingWith: name)
      return result
    } catch {
      await self.dropDatabases(startingWith: name)
      throw error
    }
  }

  /// Drops the databases named `prefix…` (best effort: a failure leaves them to the cluster,
  /// which a private test cluster removes at exit). `prefix` is `uniqueName`'s: no quoting needed.
  private static func dropDatabases(startingWith prefix: String) async {
    guard let shared = try? await self.pool(maxConnections: 1) else { return }
    _ = try? await shared.withSession { session in
      let names = try await session.query(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
        [prefix]
      )
      for row in names {
        let name = try row.decode("datname", as: String.self)
        try await session.query("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)")
      }
    }
    await shared.shutdown()
  }

  private static func start() async throws -> String {
    let direct = try await self.directConninfo()
    return TestPgBouncer.isRequested ? try await TestPgBouncer.conninfo(through: direct) : direct
  }

  private static func startServer() async throws -> String {
    if let url = ProcessInfo.processInfo.environment["ERP_TEST_DATABASE_URL"] { return url }
    let directory = NSTemporaryDirectory() + "erp-store-tests-\(getpid())"
    let cluster = try await PrivateCluster.start(in: directory, durable: false)
    try await cluster.createDatabase("erp_store_test")
    ClusterCleanup.register(cluster)
    return cluster.conninfo(database: "erp_store_test")
  }
}

/// Runs blocking work (libpq's connection set-up) on a thread of its own, off the cooperative
/// pool.
public enum Blocking {
  public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T
  {
    try await withCheckedThrowingContinuation { continuation in
      Thread { continuation.resume(with: Result { try work() }) }.start()
    }
  }
}

/// Stops private clusters when the test process exits.
enum ClusterCleanup {
  nonisolated(unsafe) private static var clusters: [PrivateCluster] = []
  private static let lock = NSLock()

  static func register(_ cluster: PrivateCluster) {
    self.lock.lock()
    defer { self.lock.unlock() }
    if self.clusters.isEmpty {
      atexit {
        for cluster in ClusterCleanup.clusters {
          cluster.stopAtExit()
          try? FileManager.default.removeItem(atPath: cluster.directory)
        }
      }
    }
    self.clusters.append(cluster)
  }
}

/// A counter tasks share.
public actor Counter {
  public private(set) var value = 0

  public init() {}

  @discardableResult
  public func increment() -> Int {
    self.value += 1
    return self.value
  }
}

public import ERPDevCluster
import ERPStore
import Foundation

/// The tests' run through a transaction pooler: with `ERP_TEST_PGBOUNCER=1` (`make test` runs
/// the tenancy and finance tests once that way), ``TestDatabase`` hands out connections through
/// PgBouncer in transaction mode in front of the private cluster instead of the cluster itself.
/// Tests that are about pooling use ``shared()`` in any run.
public enum TestPgBouncer {
  public static var isRequested: Bool {
    ProcessInfo.processInfo.environment["ERP_TEST_PGBOUNCER"] == "1"
  }

  /// The one PgBouncer of this test process, in front of the server of ``TestDatabase``.
  private static let started = Task<PgBouncer, any Error> {
    let direct = try await TestDatabase.directConninfo()
    // A pooled server's sessions fall back to its default time zone after each RESET ALL (the
    // pooler refuses the `options=-c TimeZone=UTC` the store sends otherwise), so make it UTC.
    let pool = ConnectionPool(config: .init(conninfo: direct))
    do {
      try await pool.withSession { session in
        try await session.query("ALTER SYSTEM SET timezone = 'UTC'")
        try await session.query("SELECT pg_reload_conf()")
      }
    } catch {
      await pool.shutdown()
      throw error
    }
    await pool.shutdown()
    let port = Int(Self.value(of: "port", in: direct) ?? "") ?? 5432
    let bouncer = try await PgBouncer.start(in: Self.directory, serverPort: port)
    atexit {
      let bouncer = PgBouncer(directory: TestPgBouncer.directory)
      bouncer.stopAtExit()
      try? FileManager.default.removeItem(atPath: bouncer.directory)
    }
    return bouncer
  }

  /// Per test process, so that parallel test processes each have their own.
  private static var directory: String { NSTemporaryDirectory() + "erp-pgbouncer-\(getpid())" }

  /// PgBouncer in front of the tests' cluster, started on first use.
  public static func shared() async throws -> PgBouncer { try await self.started.value }

  /// The conninfo of `direct`'s database through the pooler.
  static func conninfo(through direct: String) async throws -> String {
    let bouncer = try await self.shared()
    return bouncer.conninfo(database: Self.value(of: "dbname", in: direct) ?? "postgres")
  }

  /// A keyword's value in a keyword=value conninfo without quoting (what the cluster hands out).
  static func value(of keyword: String, in conninfo: String) -> String? {
    conninfo.split(separator: " ").compactMap { pair -> String? in
      let parts = pair.split(separator: "=", maxSplits: 1)
      return parts.count == 2 && parts[0] == keyword ? String(parts[1]) : nil
    }.last
  }
}

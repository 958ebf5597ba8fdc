import ERPDevCluster
import ERPStore
import ERPTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("PgBouncer stops without blocking a thread")
struct PgBouncerStopTests {
  /// erp-run awaits `stop()` from its cooperative pool: when it returns, the pooler process is
  /// gone, its pidfile removed and its socket refuses new connections; a second stop is a no-op.
  @Test("stop() returns once the pooler has gone and its socket refuses connections")
  func stopEndsThePooler() async throws {
    let direct = try await TestDatabase.directConninfo()
    let port = direct.split(separator: " ").compactMap { pair -> Int? in
      let parts = pair.split(separator: "=", maxSplits: 1)
      return parts.count == 2 && parts[0] == "port" ? Int(parts[1]) : nil
    }.last
    let directory = NSTemporaryDirectory() + "erp-pgbouncer-stop-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let bouncer = try await PgBouncer.start(in: directory, serverPort: try #require(port))
    let pidText = try String(contentsOfFile: directory + "/pgbouncer.pid", encoding: .utf8)
    let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
    let before = ConnectionPool(config: .init(conninfo: bouncer.conninfo(database: "postgres")))
    let one = try await before.withSession { session in
      try await session.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
    }
    #expect(one == 1)
    await before.shutdown()

    await bouncer.stop()
    #expect(kill(pid, 0) != 0, "PgBouncer \(pid) still runs after stop() returned")
    #expect(!FileManager.default.fileExists(atPath: directory + "/pgbouncer.pid"))
    let after = ConnectionPool(config: .init(conninfo: bouncer.conninfo(database: "postgres")))
    await #expect(throws: (any Error).self) {
      try await after.withSession { try await $0.query("SELECT 1") }
    }
    await after.shutdown()
    await bouncer.stop()  // nothing left to stop
  }
}

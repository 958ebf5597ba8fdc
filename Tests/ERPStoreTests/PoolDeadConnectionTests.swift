import ERPStore
import ERPTestSupport
import Foundation
import Testing

@Suite("Connection pool after the server closed its idle connections")
struct PoolDeadConnectionTests {
  /// What PostgreSQL restarting (or an administrator terminating backends) does to a pool: its
  /// idle connections are closed by the server while nobody uses them. The next calls must get
  /// live connections, not fail once per dead one.
  @Test("idle connections the server closed are never handed out")
  func closedWhileIdle() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 4)
    let admin = try await TestDatabase.pool(maxConnections: 1)
    // Four sessions at once, so the pool opens four connections; each says which backend it is.
    let opened = Counter()
    let backends = try await withThrowingTaskGroup(of: Int.self) { group in
      for _ in 0..<4 {
        group.addTask {
          try await pool.withSession { session in
            await opened.increment()
            while await opened.value < 4 { try await Task.sleep(for: .milliseconds(5)) }
            return try await session.query("SELECT pg_backend_pid() AS pid")[0].decode(
              "pid",
              as: Int.self
            )
          }
        }
      }
      var all: [Int] = []
      for try await pid in group { all.append(pid) }
      return all
    }
    #expect(Set(backends).count == 4)

    try await admin.withSession { session in
      for pid in backends { try await session.query("SELECT pg_terminate_backend($1)", [pid]) }
      // Wait until the server has really closed them.
      while try await !session.query(
        "SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::int[])",
        ["{" + backends.map(String.init).joined(separator: ",") + "}"]
      ).isEmpty {
        try await Task.sleep(for: .milliseconds(10))
      }
    }

    for _ in 0..<4 {
      let answer = try await pool.withSession { session in
        try await session.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
      }
      #expect(answer == 1)
    }
    await pool.shutdown()
    await admin.shutdown()
  }
}

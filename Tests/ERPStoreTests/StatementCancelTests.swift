import ERPStore
import ERPTestSupport
import Foundation
import Testing

@Suite("A cancelled call cancels its statement on the server")
struct StatementCancelTests {
  @Test("cancelling the task running pg_sleep(10) cancels the backend's query")
  func cancelledTaskCancelsQuery() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 2)
    let observer = try await TestDatabase.pool(maxConnections: 1)
    let tag = "cancel_\(UUID().uuidString.prefix(8))"
    let running = Task {
      try await pool.withSession { session in
        try await session.query("SELECT pg_sleep(10), '\(tag)'")
      }
    }
    #expect(try await eventually { try await isRunning(tag, on: observer) })
    running.cancel()
    #expect(try await eventually { try await !isRunning(tag, on: observer) })
    let outcome = await Result.capturing { try await running.value }
    guard case .failure = outcome else {
      Issue.record("the cancelled statement completed")
      return
    }
    // The pool is still usable afterwards.
    let one = try await pool.withSession {
      try await $0.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
    }
    #expect(one == 1)
    await pool.shutdown()
    await observer.shutdown()
  }
}

@Suite("Deadlines reach SQL")
struct StatementDeadlineTests {
  @Test("a tenant query under a 200 ms deadline running pg_sleep(10) ends by statement_timeout")
  func deadlineEndsTenantQuery() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 2)
    let observer = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("dl")
    try await pool.provision(tenant, migrations: [])
    let tag = "deadline_\(UUID().uuidString.prefix(8))"
    let error = await #expect(throws: PostgresError.self) {
      try await StatementDeadline.$current.withValue(.now + .milliseconds(200)) {
        try await pool.tenantQuery(tenant, "SELECT pg_sleep(10), '\(tag)'")
      }
    }
    #expect(error?.sqlState == "57014")
    #expect(try await !isRunning(tag, on: observer))
    await pool.shutdown()
    await observer.shutdown()
  }

  @Test("a transaction under a deadline gets the remaining time as statement_timeout")
  func transactionTimeout() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("dl")
    try await pool.provision(tenant, migrations: [])
    let setting = try await StatementDeadline.$current.withValue(.now + .seconds(30)) {
      try await pool.withTenant(tenant) { session in
        try await session.query("SELECT current_setting('statement_timeout') AS t")[0]
          .decode("t", as: String.self)
      }
    }
    // 30 s less what has passed, rounded by PostgreSQL to its display unit.
    #expect(setting.hasSuffix("s") && setting != "0")
    let error = await #expect(throws: PostgresError.self) {
      try await StatementDeadline.$current.withValue(.now + .milliseconds(200)) {
        try await pool.withTransaction { try await $0.query("SELECT pg_sleep(10)") }
      }
    }
    #expect(error?.sqlState == "57014")
    // Without a deadline, nothing is set (and the last transaction's setting is gone).
    let none = try await pool.withTenant(tenant) { session in
      try await session.query("SELECT current_setting('statement_timeout') AS t")[0]
        .decode("t", as: String.self)
    }
    #expect(none == "0")
    // A deadline already past sends nothing.
    let past = await #expect(throws: StoreError.self) {
      try await StatementDeadline.$current.withValue(.now - .milliseconds(1)) {
        try await pool.tenantQuery(tenant, "SELECT 1")
      }
    }
    #expect(past?.kind == .deadlinePassed)
    await pool.shutdown()
  }
}

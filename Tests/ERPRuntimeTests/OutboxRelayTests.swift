import ERPRuntime
import ERPStore
import ERPTestSupport
import GRPCCore
import Logging
import Synchronization
import Testing

/// A receiver the test can take down and bring back: while down every delivery fails with
/// UNAVAILABLE, as a peer whose server is stopped does. It counts the attempts.
private final class Receiver: Sendable {
  private let state = Mutex((up: false, attempts: 0, delivered: [String]()))

  var attempts: Int { self.state.withLock { $0.attempts } }
  var delivered: [String] { self.state.withLock { $0.delivered } }
  func set(up: Bool) { self.state.withLock { $0.up = up } }

  var deliver: OutboxRelay.Deliver {
    { _, message in
      try self.state.withLock { state in
        state.attempts += 1
        guard state.up else { throw RPCError(code: .unavailable, message: "receiver down") }
        state.delivered.append(message.key)
        return "ok"
      }
    }
  }
}

/// A tenant with an outbox on a database of its own (so the database's transaction count is
/// the relay's), the relay running with `receiver`.
private func withRelay(
  _ database: String,
  _ receiver: Receiver,
  _ body: @Sendable (ConnectionPool, TenantID, OutboxRelay) async throws -> Void
) async throws {
  let pool = try await TestDatabase.isolatedPool(database, maxConnections: 4)
  let tenant = TestDatabase.uniqueTenant("ob")
  try await pool.provision(
    tenant,
    migrations: Outbox.migrations(version: 1)
  )
  let relay = OutboxRelay(
    pool: pool,
    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
    deliver: receiver.deliver
  )
  do {
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await relay.run() }
      defer { group.cancelAll() }
      try await body(pool, tenant, relay)
    }
  } catch {
    await pool.shutdown()
    throw error
  }
  await pool.shutdown()
}

private func enqueue(_ pool: ConnectionPool, _ tenant: TenantID, _ key: String) async throws {
  try await pool.withTenant(tenant) { session in
    try await Outbox.enqueue(session, topic: "finance.entry", key: key, payload: "{}")
  }
}

private func committed(_ pool: ConnectionPool, _ database: String) async throws -> Int64 {
  try await pool.withSession { session in
    try await session.query("SELECT pg_stat_clear_snapshot()")
    return try await session.query(
      "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
      [database]
    )[0].decode("xact_commit")
  }
}

@Suite("Outbox relay with the receiver down")
struct OutboxRelayTests {
  /// The relay sleeps until the earliest message is due: with one message pending and the
  /// receiver down, the transactions it commits per delivery attempt stay a handful (a relay
  /// that polls while the message waits out its back-off commits thousands between attempts).
  @Test("One message pending and the receiver down: a few transactions per attempt, no busy loop")
  func noBusyLoopWhileTheReceiverIsDown() async throws {
    let receiver = Receiver()
    let database = "ob_relay_idle"
    try await withRelay(database, receiver) { pool, tenant, relay in
      try await enqueue(pool, tenant, "entry-1")
      relay.visitLater(tenant)
      try await eventually("the first attempt") { receiver.attempts >= 1 }
      let before = try await committed(pool, database)
      let attemptsBefore = receiver.attempts
      try await eventually("two more attempts") { receiver.attempts >= attemptsBefore + 2 }
      let transactions = try await committed(pool, database) - before
      let attempts = receiver.attempts - attemptsBefore
      // Reading the due messages and recording the failure: two per attempt, plus slack for the
      // statistics reads themselves and for PostgreSQL flushing each backend's counts up to a
      // second late (a window can take in transactions from before it). The busy loop this
      // guards against committed thousands per attempt (12,355 for two).
      #expect(transactions <= Int64(50 * attempts + 50), "\(transactions) for \(attempts)")
      #expect(receiver.delivered.isEmpty)
    }
  }

  /// Messages that failed while the receiver was down are retried promptly once it answers
  /// again, not when their back-off ends: each is delivered before the next attempt its
  /// back-off had planned at the moment the receiver came back.
  @Test("The receiver back: its backed-off messages are delivered before their back-off ends")
  func backedOffMessagesFollowWhenTheReceiverReturns() async throws {
    let receiver = Receiver()
    try await withRelay("ob_relay_back", receiver) { pool, tenant, relay in
      try await enqueue(pool, tenant, "entry-1")
      try await enqueue(pool, tenant, "entry-2")
      relay.visitLater(tenant)
      let backedOff: @Sendable () async throws -> Bool = {
        try await pool.tenantQuery(
          tenant,
          "SELECT 1 FROM outbox WHERE attempts >= 3 AND next_attempt_at > now() + interval '2 s'"
        ).count == 2
      }
      try await eventually("both messages back off for a while") { try await backedOff() }
      let planned = try await pool.tenantQuery(
        tenant,
        "SELECT key, next_attempt_at::text AS planned FROM outbox ORDER BY key"
      )
      receiver.set(up: true)
      try await eventually("both delivered") { Set(receiver.delivered).count == 2 }
      // The receiver has them before the relay records the delivery: wait for the record.
      try await eventually("both recorded as delivered") {
        try await pool.tenantQuery(
          tenant,
          "SELECT 1 FROM outbox WHERE delivered_at IS NOT NULL"
        ).count == 2
      }
      for row in planned {
        let key: String = try row.decode("key")
        let early = try await pool.tenantQuery(
          tenant,
          "SELECT delivered_at < $2::timestamptz AS early FROM outbox WHERE key = $1",
          [key, try row.decode("planned", as: String.self)]
        )
        #expect(try early[0].decode("early", as: Bool.self), "\(key)")
      }
    }
  }
}

import ERPDevCluster
import ERPStore
import ERPTestSupport
import Foundation
import Testing

@Suite("Connection pool on a real PostgreSQL")
struct PoolTests {
  @Test("more tasks than connections all get served, never more than the maximum open")
  func contention() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 4)
    let results = try await withThrowingTaskGroup(of: Int.self) { group in
      for index in 0..<64 {
        group.addTask {
          try await pool.withSession { session in
            let rows = try await session.query("SELECT $1::int + 1 AS n, pg_sleep(0.005)", [index])
            return try rows[0].decode("n", as: Int.self)
          }
        }
      }
      var all: [Int] = []
      for try await value in group { all.append(value) }
      return all.sorted()
    }
    #expect(results == Array(1...64))
    #expect(pool.statistics.open <= 4)
    #expect(pool.statistics.created <= 4)
    await pool.shutdown()
  }

  @Test("waiting longer than the acquisition timeout fails as an acquisition timeout")
  func acquireTimeout() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .milliseconds(200)
    }
    let holding = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        try await pool.withSession { session in
          await holding.increment()
          try await session.query("SELECT pg_sleep(1)")
        }
      }
      while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
      let error = await #expect(throws: StoreError.self) {
        try await pool.withSession { session in try await session.query("SELECT 1") }
      }
      #expect(error?.kind == .acquireTimeout)
      try await group.waitForAll()
    }
    #expect(pool.statistics.acquireTimeouts == 1)
    await pool.shutdown()
  }

  @Test("a connection past its maximum lifetime is replaced, not reused")
  func maximumLifetime() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.maxLifetime = .milliseconds(100)
    }
    let first = try await pool.withSession { session in
      try await session.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
    }
    try await Task.sleep(for: .milliseconds(200))
    let second = try await pool.withSession { session in
      try await session.query("SELECT pg_backend_pid() AS pid")[0].decode("pid", as: Int.self)
    }
    #expect(first != second)
    #expect(pool.statistics.created == 2)
    #expect(pool.statistics.closed == 1)
    await pool.shutdown()
  }

  @Test("values round-trip with their types, Arabic text included")
  func typedValues() async throws {
    let pool = try await TestDatabase.pool()
    let id = UUID()
    let at = Timestamp(microsecondsSinceEpoch: 1_767_225_600_123_456)
    let row = try await pool.withSession { session in
      try await session.query(
        """
        SELECT $1::bigint AS amount, $2::text AS name, $3::bool AS active, $4::uuid AS id,
               $5::date AS day, $6::timestamptz AS at, $7::jsonb AS doc, $8::text[] AS tags,
               NULL::text AS missing
        """,
        [
          Int64(-12_345_678_901_234), "أَحْمَد الكُوَيْتِي", true, id,
          CalendarDate(year: 2026, month: 2, day: 28), at, JSONText(#"{"k": "ق"}"#),
          ["a,b", #"q"uote"#, "عربي"],
        ]
      )[0]
    }
    #expect(try row.decode("amount", as: Int64.self) == -12_345_678_901_234)
    #expect(try row.decode("name", as: String.self) == "أَحْمَد الكُوَيْتِي")
    #expect(try row.decode("active", as: Bool.self))
    #expect(try row.decode("id", as: UUID.self) == id)
    #expect(
      try row.decode("day", as: CalendarDate.self) == CalendarDate(year: 2026, month: 2, day: 28)
    )
    #expect(try row.decode("at", as: Timestamp.self) == at)
    #expect(try row.decode("doc", as: JSONText.self).text == #"{"k": "ق"}"#)
    #expect(try row.decode("tags", as: [String].self) == ["a,b", #"q"uote"#, "عربي"])
    #expect(try row.decodeIfPresent("missing", as: String.self) == nil)
    await pool.shutdown()
  }

  @Test("constraint violations carry their SQLSTATE and constraint (the runtime maps them)")
  func errorMapping() async throws {
    let pool = try await TestDatabase.pool()
    let tenant = TestDatabase.uniqueTenant()
    try await pool.provision(
      tenant,
      migrations: [
        Migration(
          version: 1,
          name: "items",
          sql:
            "CREATE TABLE items (sku text CONSTRAINT items_sku_key UNIQUE, qty int CHECK (qty >= 0))"
        )
      ]
    )
    try await pool.withTenant(tenant) { try await $0.query("INSERT INTO items VALUES ('A', 1)") }
    do {
      try await pool.withTenant(tenant) { try await $0.query("INSERT INTO items VALUES ('A', 1)") }
      Issue.record("duplicate accepted")
    } catch let error as PostgresError {
      #expect(error.sqlState == "23505")
      #expect(error.constraint == "items_sku_key")
    }
    do {
      try await pool.withTenant(tenant) { try await $0.query("INSERT INTO items VALUES ('B', -1)") }
      Issue.record("negative quantity accepted")
    } catch let error as PostgresError {
      #expect(error.sqlState == "23514")
    }
    await pool.shutdown()
  }

  @Test("a forced serialization failure is retried until both transactions commit")
  func serializationRetry() async throws {
    let pool = try await TestDatabase.pool()
    let tenant = TestDatabase.uniqueTenant()
    try await pool.provision(
      tenant,
      migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE ledger (n int NOT NULL)")]
    )
    let attempts = Counter()
    let bothRead = Barrier(parties: 2)
    // Classic write skew: each reads the total, then inserts based on it. Under SERIALIZABLE one
    // of the two first attempts must fail with 40001; the retry then sees the other's row.
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<2 {
        group.addTask {
          try await pool.withTenant(tenant, isolation: .serializable) { session in
            let attempt = await attempts.increment()
            let total = try await session.query("SELECT count(*) AS c FROM ledger")[0].decode(
              "c",
              as: Int.self
            )
            if attempt <= 2 { await bothRead.arrive() }
            try await session.query("INSERT INTO ledger VALUES ($1)", [total])
          }
        }
      }
      try await group.waitForAll()
    }
    #expect(await attempts.value >= 3)
    let values = try await pool.withTenant(tenant) { session in
      try await session.query("SELECT n FROM ledger ORDER BY n").map {
        try $0.decode("n", as: Int.self)
      }
    }
    #expect(values == [0, 1])
    await pool.shutdown()
  }

  @Test("the pool reconnects after PostgreSQL restarts mid-run")
  func reconnectAfterRestart() async throws {
    try await PrivateCluster.withTemporary("erp-store-restart") { cluster in
      var config = ConnectionPool.Config(conninfo: cluster.conninfo())
      config.maxConnections = 2
      config.acquireTimeout = .seconds(20)
      let pool = ConnectionPool(config: config)
      let before = try await pool.withSession {
        try await $0.query("SELECT 1 AS one")[0].decode("one", as: Int.self)
      }
      #expect(before == 1)
      try await cluster.stop()
      _ = try await PrivateCluster.start(in: cluster.directory, durable: false)
      // The cluster comes back on the port it keeps in its folder: the pool's settings still hold.
      var after = 0
      for _ in 0..<3 where after == 0 {
        after =
          (try? await pool.withSession {
            try await $0.query("SELECT 2 AS two")[0].decode("two", as: Int.self)
          }) ?? 0
      }
      #expect(after == 2)
      await pool.shutdown()
    }
  }
}

/// Lets `parties` tasks wait for each other once.
actor Barrier {
  private var waiting: [CheckedContinuation<Void, Never>] = []
  private let parties: Int
  init(parties: Int) { self.parties = parties }

  func arrive() async {
    if self.waiting.count + 1 == self.parties {
      for continuation in self.waiting { continuation.resume() }
      self.waiting = []
      return
    }
    await withCheckedContinuation { self.waiting.append($0) }
  }
}

import ERPStore
import ERPTestSupport
import Testing

private let itemsMigration = Migration(
  version: 1,
  name: "items",
  sql: "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)"
)

@Suite("libpq pipeline mode and the one-round-trip tenant query")
struct PipelineTests {
  @Test("a pipeline returns each statement's rows in order")
  func resultsInOrder() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let rows = try await pool.withSession { session in
      try await session.pipeline([
        PostgresStatement("SELECT $1::int AS n", [1]),
        PostgresStatement("SELECT generate_series(1, $1::int) AS n", [3]),
        PostgresStatement("SELECT $1::text AS word", ["مرحبا"]),
      ])
    }
    #expect(rows.count == 3)
    #expect(try rows[0].map { try $0.decode("n", as: Int.self) } == [1])
    #expect(try rows[1].map { try $0.decode("n", as: Int.self) } == [1, 2, 3])
    #expect(try rows[2][0].decode("word", as: String.self) == "مرحبا")
    await pool.shutdown()
  }

  @Test("the first failure is thrown, later statements are skipped, the connection stays usable")
  func failureStopsTheBatch() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("pipe")
    try await pool.provision(tenant, migrations: [itemsMigration])
    let error = await #expect(throws: PostgresError.self) {
      try await pool.withTenant(tenant) { session in
        try await session.pipeline([
          PostgresStatement("INSERT INTO items VALUES ($1, $2)", [1, "one"]),
          PostgresStatement("INSERT INTO items VALUES ($1, $2)", [1, "again"]),
          PostgresStatement("INSERT INTO items VALUES ($1, $2)", [2, "two"]),
        ])
      }
    }
    #expect(error?.sqlState == "23505")
    let count = try await pool.tenantQuery(tenant, "SELECT count(*) AS n FROM items")
    #expect(try count[0].decode("n", as: Int.self) == 0)  // the transaction rolled back whole
    await pool.shutdown()
  }

  @Test("tenantQuery runs inside the tenant: own table by name, another tenant's refused")
  func tenantQueryIsScoped() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 2)
    let a = TestDatabase.uniqueTenant("pa")
    let b = TestDatabase.uniqueTenant("pb")
    try await pool.provision(a, migrations: [itemsMigration])
    try await pool.provision(b, migrations: [itemsMigration])
    try await pool.tenantQuery(a, "INSERT INTO items VALUES ($1, $2)", [7, "أحمد"])
    let own = try await pool.tenantQuery(a, "SELECT name FROM items WHERE id = $1", [7])
    #expect(try own[0].decode("name", as: String.self) == "أحمد")
    let theirs = try await pool.tenantQuery(b, "SELECT name FROM items WHERE id = $1", [7])
    #expect(theirs.isEmpty)

    let denied = await #expect(throws: PostgresError.self) {
      try await pool.tenantQuery(b, "SELECT name FROM \"\(a.schema)\".items")
    }
    #expect(denied?.sqlState == "42501")
    await #expect(throws: PostgresError.self) {
      try await pool.tenantQuery(b, "SET ROLE \"\(a.role)\"")
    }
    // After the failures, the pooled connections carry no tenant and no open transaction.
    for _ in 0..<2 {
      let state = try await pool.withSession { session in
        try await session.query(
          "SELECT current_user AS who, current_setting('search_path') AS path"
        )
      }
      #expect(try state[0].decode("who", as: String.self) == "postgres")
      #expect(try state[0].decode("path", as: String.self).contains("t_") == false)
      // SAVEPOINT outside a transaction block is an error: none was left open.
      let outside = await #expect(throws: PostgresError.self) {
        try await pool.withSession { try await $0.query("SAVEPOINT probe") }
      }
      #expect(outside?.sqlState == "25P01")
    }
    await pool.shutdown()
  }

  @Test("tenantQuery retries a serialization failure, then fails as conflicts exhausted")
  func tenantQueryRetries() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("pr")
    try await pool.provision(tenant, migrations: [itemsMigration])
    let error = await #expect(throws: StoreError.self) {
      try await pool.tenantQuery(
        tenant,
        "DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$",
        maxAttempts: 3
      )
    }
    #expect(error?.kind == .conflictsExhausted)
    #expect(error?.cause?.sqlState == "40001")
    await pool.shutdown()
  }
}

@Suite("Prepared statements per connection")
struct PreparedStatementTests {
  @Test("a statement prepared under one tenant's search_path runs against the next tenant's tables")
  func followsSearchPath() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let a = TestDatabase.uniqueTenant("ps")
    let b = TestDatabase.uniqueTenant("ps")
    for (tenant, name) in [(a, "from A"), (b, "from B")] {
      try await pool.provision(tenant, migrations: [itemsMigration])
      try await pool.tenantQuery(tenant, "INSERT INTO items VALUES ($1, $2)", [1, name])
    }
    for _ in 0..<3 {
      for (tenant, name) in [(a, "from A"), (b, "from B")] {
        let rows = try await pool.tenantQuery(tenant, "SELECT name FROM items WHERE id = $1", [1])
        #expect(try rows[0].decode("name", as: String.self) == name)
        let piped = try await pool.withTenant(tenant) { session in
          try await session.pipeline([
            PostgresStatement("SELECT name FROM items WHERE id = $1", [1])
          ])
        }
        #expect(try piped[0][0].decode("name", as: String.self) == name)
      }
    }
    await pool.shutdown()
  }

  @Test("a table changing shape under a prepared statement costs one error at most, then works")
  func survivesTableChanges() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("ps")
    try await pool.provision(tenant, migrations: [itemsMigration])
    try await pool.tenantQuery(tenant, "INSERT INTO items VALUES ($1, $2)", [1, "one"])
    let sql = "SELECT * FROM items WHERE id = $1"
    #expect(try await pool.tenantQuery(tenant, sql, [1]).count == 1)
    try await pool.migrate(
      tenant,
      migrations: [
        itemsMigration,
        Migration(version: 2, name: "more", sql: "ALTER TABLE items ADD COLUMN note text"),
      ]
    )
    _ = try? await pool.tenantQuery(tenant, sql, [1])
    let rows = try await pool.tenantQuery(tenant, sql, [1])
    #expect(try rows[0].decodeIfPresent("note", as: String.self) == nil)
    #expect(try rows[0].decode("name", as: String.self) == "one")
    await pool.shutdown()
  }

  @Test("a syntax error in a pipeline is reported and does not poison the connection")
  func badStatementInPipeline() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let error = await #expect(throws: PostgresError.self) {
      try await pool.withSession { session in
        try await session.pipeline([
          PostgresStatement("SELECT 1 AS one"), PostgresStatement("SELEC broken"),
          PostgresStatement("SELECT 2 AS two"),
        ])
      }
    }
    #expect(error?.sqlState == "42601")
    let rows = try await pool.withSession { session in
      try await session.pipeline([
        PostgresStatement("SELECT 1 AS one"), PostgresStatement("SELECT 2 AS two"),
      ])
    }
    #expect(try rows[1][0].decode("two", as: Int.self) == 2)
    await pool.shutdown()
  }
}

@Suite("tenantQuery leaves nothing behind")
struct TenantQuerySessionTests {
  @Test(
    "statements that could change a session setting are refused",
    arguments: [
      "SET search_path TO public", "reset all", "SELECT set_config('search_path', 'public', false)",
      "  DISCARD ALL",
    ]
  )
  func refused(sql: String) async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant("tq")
    try await pool.provision(tenant, migrations: [itemsMigration])
    let error = await #expect(throws: PostgresError.self) {
      try await pool.tenantQuery(tenant, sql)
    }
    #expect(error?.sqlState == "42501")
    await pool.shutdown()
  }
}

import ERPTestSupport
import Testing

@testable import ERPStore

private let itemsMigration = Migration(
  version: 1,
  name: "items",
  sql: "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL)"
)

/// PgBouncer 1.18 in transaction mode hands each transaction whichever server backend is free,
/// so state a connection keeps on "its" backend (named prepared statements, startup options) is
/// not there next time, or is there when it belongs to another client.
@Suite("The store through PgBouncer in transaction mode")
struct PgBouncerTests {
  @Test("two client connections take turns on one server backend: tenant work still runs")
  func clientsShareABackend() async throws {
    // A database of its own, so that PgBouncer's pool for it serves this test alone: used one
    // after the other, both clients then get the same single backend.
    _ = try await TestDatabase.isolatedConninfo("erp_pgbouncer_test")
    let conninfo = try await TestPgBouncer.shared().conninfo(database: "erp_pgbouncer_test")
    let first = ConnectionPool(config: .init(conninfo: conninfo))
    let second = ConnectionPool(config: .init(conninfo: conninfo))
    let tenant = TestDatabase.uniqueTenant("pgb")
    try await first.provision(tenant, migrations: [itemsMigration])
    var backends: Set<Int> = []
    for id in 1...6 {
      let pool = id.isMultiple(of: 2) ? second : first
      let name = "عنصر \(id)"
      let read = try await pool.withTenant(tenant) { session in
        try await session.query("INSERT INTO items VALUES ($1, $2)", [id, name])
        let rows = try await session.pipeline([
          PostgresStatement("SELECT name FROM items WHERE id = $1", [id]),
          PostgresStatement("SELECT pg_backend_pid() AS pid, current_schema() AS schema"),
        ])
        return (
          try rows[0][0].decode("name", as: String.self),
          try rows[1][0].decode("pid", as: Int.self),
          try rows[1][0].decode("schema", as: String.self)
        )
      }
      #expect(read.0 == name)
      #expect(read.2 == tenant.schema)
      backends.insert(read.1)
    }
    let count = try await second.tenantQuery(tenant, "SELECT count(*) AS n FROM items", [])
    #expect(try count[0].decode("n", as: Int.self) == 6)
    // The pooler really multiplexed: both clients' transactions ran on one backend.
    #expect(backends.count == 1)
    await first.shutdown()
    await second.shutdown()
  }

  @Test("a connection through PgBouncer knows it is pooled; a direct one does not")
  func detectsThePooler() async throws {
    let pooled = try await TestPgBouncer.shared().conninfo(database: "postgres")
    let direct = try await TestDatabase.directConninfo()
    let viaPooler = try await Blocking.run { try PostgresConnection(conninfo: pooled) }
    let viaServer = try await Blocking.run { try PostgresConnection(conninfo: direct) }
    #expect(viaPooler.pooled)
    #expect(!viaServer.pooled)
  }
}

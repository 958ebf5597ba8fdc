import BenchmarkSupport
import ERPStore
import Foundation

/// Tenant-scoped primary-key reads through the pool against `pgbench -S` on the same server, with
/// the same number of clients. pgbench does no tenant scoping at all: each of its transactions is
/// one SELECT; each of ours is BEGIN, SET LOCAL ROLE, SET LOCAL search_path, the SELECT, COMMIT
/// and a session reset, pipelined into one round trip.
enum PgbenchComparison {
  static func run(
    _ database: BenchServer,
    seconds: Int,
    clients: Int,
    transactionsPerClient: Int = 20_000
  ) async throws -> Double {
    // pgbench's table: scale 10 is 1,000,000 accounts.
    let pgbenchDatabase = try await database.database("bench_pgbench")
    _ = try await Pgbench.run(["-i", "-q", "-s", "10"], conninfo: pgbenchDatabase)
    let pgbenchTPS = try Pgbench.tps(
      await Pgbench.run(
        [
          "-S", "-n", "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t",
          "\(transactionsPerClient)",
        ],
        conninfo: pgbenchDatabase
      )
    )

    // Ours: 10 tenants of 100,000 items each (the same million rows), random tenant and key.
    let ours = try await database.database("bench_scoped")
    let pool = database.pool(ours, connections: clients)
    for index in 0..<10 {
      try await pool.provision(
        TenancyBench.tenant(index),
        migrations: [
          Migration(
            version: 1,
            name: "items",
            sql: "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, "
              + "price_minor bigint NOT NULL);"
              + "INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, 100000) g"
          )
        ]
      )
    }
    let sql = "SELECT name, price_minor FROM items WHERE id = $1"
    let oursTPS = try await Measure.closedLoop(clients: clients, seconds: seconds) { _, _ in
      let tenant = TenancyBench.tenant(Int.random(in: 0..<10))
      _ = try await pool.tenantQuery(tenant, sql, [Int.random(in: 1...100_000)])
    }
    // The same client path without tenant scoping (schema-qualified, one statement): how much of
    // the gap is the scoping and how much the client.
    let unscopedTPS = try await Measure.closedLoop(clients: clients, seconds: seconds) { _, _ in
      let tenant = TenancyBench.tenant(Int.random(in: 0..<10))
      _ = try await pool.withSession { session in
        try await session.query(
          "SELECT name, price_minor FROM \"\(tenant.schema)\".items WHERE id = $1",
          [Int.random(in: 1...100_000)]
        )
      }
    }
    say(
      "unscoped reads through the pool (reference), \(clients) clients: "
        + "\(Measure.format(unscopedTPS, 0)) tps"
    )
    await pool.shutdown()
    say("pgbench -S, \(clients) clients: \(Measure.format(pgbenchTPS, 0)) tps")
    say("tenant-scoped tenantQuery, \(clients) clients: \(Measure.format(oursTPS, 0)) tps")
    let ratio = oursTPS / pgbenchTPS
    say("ratio tenant-scoped reads / pgbench -S: \(Measure.format(ratio)) (target ≥ 0.5)")
    return ratio
  }
}

import BenchmarkSupport
import ERPStore

/// What pipelining buys: (1) a batch of 10 statements sent one by one versus as one pipeline;
/// (2) a tenant's single-statement transaction through `withTenant` (three round trips) versus
/// `tenantQuery` (one).
enum PipelineBench {
  static func run(_ database: BenchServer, seconds: Double) async throws -> Double {
    let conninfo = try await database.database("bench_pipeline")
    let pool = database.pool(conninfo, connections: 1)
    let tenant = try TenantID(validating: "bench_pipe")
    try await pool.provision(
      tenant,
      migrations: [
        Migration(
          version: 1,
          name: "items",
          sql: "CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);"
            + "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 1000) g"
        )
      ]
    )
    let batch = (1...10).map { PostgresStatement("SELECT name FROM items WHERE id = $1", [$0]) }

    let sequential = try await Self.rate(seconds) {
      try await pool.withTenant(tenant) { session -> Void in
        for statement in batch { try await session.query(statement.sql, statement.parameters) }
      }
    }
    let pipelined = try await Self.rate(seconds) {
      try await pool.withTenant(tenant) { session -> Void in
        try await session.pipeline(batch)
      }
    }
    say("batch of 10 reads, one by one:     \(Measure.format(sequential, 0)) batches/s")
    say("batch of 10 reads, one pipeline:   \(Measure.format(pipelined, 0)) batches/s")

    let threeTrips = try await Self.rate(seconds) {
      try await pool.withTenant(tenant) { session -> Void in
        try await session.query("SELECT name FROM items WHERE id = $1", [Int.random(in: 1...1000)])
      }
    }
    let oneTrip = try await Self.rate(seconds) {
      try await pool.tenantQuery(
        tenant,
        "SELECT name FROM items WHERE id = $1",
        [Int.random(in: 1...1000)]
      )
    }
    say("tenant read via withTenant:        \(Measure.format(threeTrips, 0)) reads/s")
    say("tenant read via tenantQuery:       \(Measure.format(oneTrip, 0)) reads/s")
    say("ratio tenantQuery / withTenant: \(Measure.format(oneTrip / threeTrips))")
    let gain = pipelined / sequential
    say("ratio pipelined / one-by-one batch: \(Measure.format(gain))")
    await pool.shutdown()
    return gain
  }

  /// Calls per second of `body`, run back to back for `seconds`.
  static func rate(_ seconds: Double, _ body: () async throws -> Void) async throws -> Double {
    let start = ContinuousClock.now
    var calls = 0
    while Measure.seconds(start.duration(to: .now)) < seconds {
      try await body()
      calls += 1
    }
    return Double(calls) / Measure.seconds(start.duration(to: .now))
  }
}

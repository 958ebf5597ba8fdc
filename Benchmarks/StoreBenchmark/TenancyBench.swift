import BenchmarkSupport
import ERPStore

/// Schema-per-tenant at scale: provisioning cost per tenant, a no-op migrate-all over 1,000 and
/// 10,000 tenants, and primary-key read latency with 10 and with 10,000 tenants in the database.
enum TenancyBench {
  /// A tenant's tables: one with 100 rows to read by primary key, and a few more so that the
  /// catalog grows as a real service's would.
  static let migrations = [
    Migration(
      version: 1,
      name: "items",
      sql: """
        CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, price_minor bigint NOT NULL);
        INSERT INTO items SELECT g, 'صنف ' || g, g * 125 FROM generate_series(1, 100) g;
        CREATE TABLE notes (id bigint PRIMARY KEY, item_id bigint REFERENCES items, body text);
        CREATE INDEX notes_item ON notes (item_id);
        """
    )
  ]

  static func tenant(_ index: Int) -> TenantID {
    try! TenantID(validating: "bt_" + String(index + 100_000).dropFirst())
  }

  /// Provisioning per tenant, through the real `provision` (role, schema, migrations).
  static func provisioning(_ database: BenchServer, count: Int) async throws -> Double {
    let conninfo = try await database.database("bench_provision")
    let pool = database.pool(conninfo, connections: 1)
    // The reference: only what any schema-per-tenant system must do, one schema and its tables.
    let bare = try await Measure.time {
      for index in 0..<count {
        try await pool.withTransaction { session in
          try await session.query("CREATE SCHEMA ref_\(index)")
          try await session.query(
            "CREATE TABLE ref_\(index).items (id bigint PRIMARY KEY, name text NOT NULL, "
              + "price_minor bigint NOT NULL)"
          )
          try await session.query(
            "INSERT INTO ref_\(index).items SELECT g, 'صنف ' || g, g * 125 "
              + "FROM generate_series(1, 100) g"
          )
          try await session.query(
            "CREATE TABLE ref_\(index).notes (id bigint PRIMARY KEY, "
              + "item_id bigint REFERENCES ref_\(index).items, body text)"
          )
          try await session.query("CREATE INDEX ON ref_\(index).notes (item_id)")
        }
      }
    }
    let ours = try await Measure.time {
      for index in 0..<count {
        try await pool.provision(Self.tenant(index), migrations: Self.migrations)
      }
    }
    let perTenant = ours / Double(count) * 1000
    say(
      "provision \(count) tenants: \(Measure.format(perTenant)) ms per tenant "
        + "(bare schema + tables: \(Measure.format(bare / Double(count) * 1000)) ms)"
    )
    say("ratio provision / bare schema: \(Measure.format(ours / bare))")
    await pool.shutdown()
    return ours / bare
  }

  /// No-op migrate-all at 1,000 and 10,000 tenants, and primary-key reads at 10 and 10,000.
  static func scale(_ database: BenchServer) async throws -> (migrate: Double, latency: Double) {
    let small = try await database.database("bench_ten")
    let smallPool = database.pool(small, connections: 2)
    for index in 0..<10 {
      try await smallPool.provision(Self.tenant(index), migrations: Self.migrations)
    }
    let latencyTen = try await Self.readLatency(smallPool, tenants: 10)
    await smallPool.shutdown()

    let large = try await database.database("bench_many")
    let pool = database.pool(large, connections: 2)
    let roundTrip =
      try await Measure.time {
        for _ in 0..<200 { try await pool.withSession { try await $0.query("SELECT 1") } }
      } / 200

    var migrateTimes: [Int: Double] = [:]
    var created = 0
    for target in [1_000, 10_000] {
      say("provisioning up to \(target) tenants…")
      try await Self.provisionConcurrently(pool, from: created, to: target)
      created = target
      let noop =
        try await Measure.time {
          for _ in 0..<5 {
            let migrated = try await pool.migrateAll(migrations: Self.migrations)
            precondition(migrated == 0, "a no-op migrate-all migrated \(migrated) tenants")
          }
        } / 5
      migrateTimes[target] = noop
      say(
        "no-op migrate-all over \(target) tenants: \(Measure.format(noop * 1000)) ms "
          + "(\(Measure.format(noop / roundTrip, 1))× one SELECT 1 round trip)"
      )
    }
    let latencyMany = try await Self.readLatency(pool, tenants: 10_000)
    await pool.shutdown()

    say(
      "PK read p50 with 10 tenants: \(Measure.format(latencyTen.p50, 1)) µs, p99 \(Measure.format(latencyTen.p99, 1)) µs"
    )
    say(
      "PK read p50 with 10,000 tenants: \(Measure.format(latencyMany.p50, 1)) µs, p99 \(Measure.format(latencyMany.p99, 1)) µs"
    )
    let migrateRatio = migrateTimes[10_000]! / migrateTimes[1_000]!
    say("ratio no-op migrate-all 10,000 / 1,000 tenants: \(Measure.format(migrateRatio))")
    let latencyRatio = latencyMany.p50 / latencyTen.p50
    say("ratio PK read p50 10,000 / 10 tenants: \(Measure.format(latencyRatio)) (target ≤ 1.2)")
    return (migrateRatio, latencyRatio)
  }

  /// Provisions tenants `from..<to` with the real `provision`, two at a time.
  static func provisionConcurrently(_ pool: ConnectionPool, from: Int, to: Int) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
      for lane in 0..<2 {
        group.addTask {
          for index in stride(from: from + lane, to: to, by: 2) {
            try await pool.provision(Self.tenant(index), migrations: Self.migrations)
          }
        }
      }
      try await group.waitForAll()
    }
  }

  /// Primary-key reads through `tenantQuery`, each for a random tenant, after one warm-up pass
  /// over every tenant (a steady state: a service's connections have seen its active tenants).
  static func readLatency(
    _ pool: ConnectionPool,
    tenants: Int
  ) async throws -> (p50: Double, p99: Double) {
    let sql = "SELECT name, price_minor FROM items WHERE id = $1"
    for index in 0..<tenants {
      for _ in 0..<2 { try await pool.tenantQuery(Self.tenant(index), sql, [1]) }
    }
    var samples: [Double] = []
    for _ in 0..<20_000 {
      let tenant = Self.tenant(Int.random(in: 0..<tenants))
      let start = ContinuousClock.now
      let rows = try await pool.tenantQuery(tenant, sql, [Int.random(in: 1...100)])
      samples.append(Measure.seconds(start.duration(to: .now)))
      precondition(rows.count == 1)
    }
    return (Measure.percentile(samples, 0.5), Measure.percentile(samples, 0.99))
  }
}

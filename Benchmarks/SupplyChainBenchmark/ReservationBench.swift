import BenchmarkSupport
import ERPProtos
import ERPStore
import Foundation
import SupplyChain

/// Reservations per second with 16 concurrent callers, each one reservation of one unit per
/// call through the service's reservation path (one statement: reservation row, stock move,
/// level update under the level's row lock, constraint check). On one hot item every call
/// waits for the previous one's row lock; spread over 1,000 items they rarely meet. The ratio
/// of the two is the cost of contention; pgbench's TPC-B-like run on the same server is the
/// reference for what this database does with 16 writers.
enum ReservationBench {
  static func run(_ server: BenchServer, clients: Int, seconds: Int) async throws -> Double {
    let pgbenchDatabase = try await server.database("bench_tpcb")
    _ = try await Pgbench.run(["-i", "-q", "-s", "16"], conninfo: pgbenchDatabase)
    let pgbenchTPS = try Pgbench.tps(
      await Pgbench.run(
        ["-n", "-c", "\(clients)", "-j", "2", "-t", "1500"],
        conninfo: pgbenchDatabase
      )
    )

    var config = ConnectionPool.Config(conninfo: try await server.database("bench_reservations"))
    config.maxConnections = clients
    let pool = ConnectionPool(config: config)
    let tenant = try TenantID(validating: "bench")
    try await pool.provision(tenant, migrations: SupplyChainService.definition.migrations)
    try await Self.stock(pool, tenant, items: 1_000)

    let hot = try await Self.reserve(pool, tenant, clients: clients, seconds: seconds, label: "hot")
    {
      _ in "ITEM-0"
    }
    let spread = try await Self.reserve(
      pool,
      tenant,
      clients: clients,
      seconds: seconds,
      label: "spread"
    ) {
      "ITEM-\($0 % 1_000)"
    }
    await pool.shutdown()
    say("pgbench TPC-B-like, \(clients) clients: \(Measure.format(pgbenchTPS, 0)) tps")
    say("reservations on one hot item, \(clients) concurrent: \(Measure.format(hot, 0))/s")
    say("reservations over 1,000 items, \(clients) concurrent: \(Measure.format(spread, 0))/s")
    say("contention cost, hot / spread: \(Measure.format(hot / spread))")
    say("ratio spread / pgbench TPC-B: \(Measure.format(spread / pgbenchTPS))")
    let ratio = hot / pgbenchTPS
    say("ratio hot-item reservations / pgbench TPC-B: \(Measure.format(ratio))")
    return ratio
  }

  private static func reserve(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    clients: Int,
    seconds: Int,
    label: String,
    sku: @escaping @Sendable (Int) -> String
  ) async throws -> Double {
    try await Measure.closedLoop(clients: clients, seconds: seconds) { client, count in
      var request = Erp_Supplychain_V1_ReserveRequest()
      request.orderLineID = "\(label)-\(client)-\(count)"
      request.orderID = "SO-\(client)"
      request.sku = sku(client * 7919 + count)
      request.warehouseCode = "MAIN"
      request.quantityMilli = 1_000
      _ = try await Reservations.reserve(pool, tenant, request)
    }
  }

  /// `items` items with a million units each in one warehouse, counted in by adjustment moves.
  private static func stock(_ pool: ConnectionPool, _ tenant: TenantID, items: Int) async throws {
    try await pool.withTenant(tenant) { session in
      try await session.query("INSERT INTO warehouse (code, name) VALUES ('MAIN', 'Main')")
      try await session.query(
        "INSERT INTO item (sku, name, unit_of_measure) "
          + "SELECT 'ITEM-' || n, 'صنف ' || n, 'unit' FROM generate_series(0, $1 - 1) AS n",
        [items]
      )
      try await session.query(
        """
        INSERT INTO stock_move (kind, item_id, warehouse_id, on_hand_delta, value_delta)
        SELECT 'adjustment', i.id, w.id, 1000000000, 1000000
        FROM item i, warehouse w
        """
      )
    }
  }
}

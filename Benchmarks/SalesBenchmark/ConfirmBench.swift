import BenchmarkStack
import BenchmarkSupport
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import Foundation
import GRPCCore

/// Confirming orders end to end at concurrency 16: each ConfirmOrder call reaches sales over
/// TCP, which checks the customer with the customers service, reserves both lines with the
/// supply chain, confirms in its own database and delivers the order fact to the customers
/// service, all before it answers. Orders (two lines on items drawn from 1,000) are created
/// first and not timed. pgbench's TPC-B-like run with 16 clients on the same server is the
/// reference.
enum ConfirmBench {
  /// pgbench's TPC-B-like rate (transactions per second) with `clients` clients.
  static func pgbench(_ server: BenchServer, clients: Int) async throws -> Double {
    let pgbenchDatabase = try await server.database("bench_tpcb")
    _ = try await Pgbench.run(["-i", "-q", "-s", "16"], conninfo: pgbenchDatabase)
    let pgbenchTPS = try Pgbench.tps(
      await Pgbench.run(
        ["-n", "-c", "\(clients)", "-j", "2", "-t", "1500"],
        conninfo: pgbenchDatabase
      )
    )
    say("pgbench TPC-B-like, \(clients) clients: \(Measure.format(pgbenchTPS, 0)) tps")
    return pgbenchTPS
  }

  /// Confirmed orders per second; `variables` go to every service (OTEL_* to trace).
  static func run(
    _ server: BenchServer,
    clients: Int,
    orders: Int,
    reference pgbenchTPS: Double,
    variables: [String: String] = [:]
  ) async throws -> Double {
    let (seconds, latencies) = try await ServiceStack.run(
      server,
      connections: clients,
      variables: variables
    ) { stack in
      try await RequestContext.$tenant.withValue(stack.tenant) {
        try await Self.stock(stack)
        let customer = try await withServiceClient(
          port: stack.ports["customers"]!,
          secret: ServiceStack.secret
        ) {
          var request = Erp_Customers_V1_CreateCustomerRequest()
          request.requestID = "bench-customer"
          request.customer.kind = .organisation
          request.customer.name = "شركة الاختبار"
          return try await Erp_Customers_V1_Customers.Client(wrapping: $0).createCustomer(request)
            .id
        }
        return try await withServiceClient(port: stack.ports["sales"]!, secret: ServiceStack.secret)
        { client in
          let sales = Erp_Sales_V1_Orders.Client(wrapping: client)
          let numbers = try await Self.parallel(clients: clients, count: orders) { index in
            var request = Erp_Sales_V1_CreateOrderRequest()
            request.requestID = "bench-order-\(index)"
            request.customerID = customer
            request.currencyCode = "SAR"
            request.warehouseCode = "MAIN"
            request.lines = [index % 1_000, (index * 7 + 3) % 1_000].map { item in
              var line = Erp_Sales_V1_OrderLine()
              line.sku = "ITEM-\(item)"
              line.quantityMilli = 1_000
              line.unitPriceMinor = 10_00
              return line
            }
            return (try await sales.createOrder(request).number, 0.0)
          }.map(\.0)
          say("created \(numbers.count) orders")
          let start = ContinuousClock.now
          let timed = try await Self.parallel(clients: clients, count: orders) { index in
            var ref = Erp_Sales_V1_OrderRef()
            ref.number = numbers[index]
            let began = ContinuousClock.now
            let order = try await sales.confirmOrder(ref)
            guard order.status == .confirmed else {
              throw BenchError(description: "\(order.number) is \(order.status)")
            }
            return ("", Measure.seconds(began.duration(to: .now)))
          }
          return (Measure.seconds(start.duration(to: .now)), timed.map(\.1))
        }
      }
    }
    let rate = Double(orders) / seconds
    say(
      "confirm order end to end, \(clients) concurrent: \(Measure.format(rate, 0)) orders/s, "
        + "p50 \(Measure.format(Measure.percentile(latencies, 0.5) / 1000, 1)) ms, "
        + "p99 \(Measure.format(Measure.percentile(latencies, 0.99) / 1000, 1)) ms"
    )
    let ratio = rate / pgbenchTPS
    say("ratio confirmed orders / pgbench TPC-B: \(Measure.format(ratio))")
    return rate
  }

  /// Runs `body(index)` for every index below `count`, `clients` at a time.
  private static func parallel<T: Sendable>(
    clients: Int,
    count: Int,
    _ body: @escaping @Sendable (Int) async throws -> T
  ) async throws -> [T] {
    try await withThrowingTaskGroup(of: [(Int, T)].self) { group in
      for client in 0..<clients {
        group.addTask {
          var results: [(Int, T)] = []
          for index in stride(from: client, to: count, by: clients) {
            results.append((index, try await body(index)))
          }
          return results
        }
      }
      return try await group.reduce(into: [(Int, T)]()) { $0 += $1 }.sorted { $0.0 < $1.0 }.map(\.1)
    }
  }

  /// Books in SAR, a warehouse and 1,000 items with plenty of stock (straight into the tables).
  private static func stock(_ stack: ServiceStack) async throws {
    try await withServiceClient(port: stack.ports["finance"]!, secret: ServiceStack.secret) {
      finance in
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await Erp_Finance_V1_Ledger.Client(wrapping: finance).setBaseCurrency(base)
    }
    try await stack.pools["supplychain"]!.withTenant(stack.tenant) { session in
      try await session.query("INSERT INTO warehouse (code, name) VALUES ('MAIN', 'Main')")
      try await session.query(
        "INSERT INTO item (sku, name, unit_of_measure) "
          + "SELECT 'ITEM-' || n, 'صنف ' || n, 'unit' FROM generate_series(0, 999) AS n"
      )
      try await session.query(
        "INSERT INTO stock_move (kind, item_id, warehouse_id, on_hand_delta, value_delta) "
          + "SELECT 'adjustment', i.id, w.id, 1000000000, 1000000 FROM item i, warehouse w"
      )
    }
  }
}

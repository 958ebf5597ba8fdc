import ERPProtos
import GRPCCore
import Testing

@Suite("Reservations")
struct ReservationTests {
  @Test("100 concurrent reservations of 1 unit against 10 on hand: exactly 10 succeed")
  func concurrentReservationsCannotOversell() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("HOT-1")
      try await clients.stockIn("HOT-1", "MAIN", 10_000, unitCost: 500)
      let outcomes = try await withThrowingTaskGroup(of: RPCError?.self) { group in
        for index in 0..<100 {
          group.addTask {
            do {
              _ = try await clients.reserve(
                "SO-\(index)/1",
                "HOT-1",
                "MAIN",
                1000,
                order: "SO-\(index)"
              )
              return nil
            } catch let error as RPCError {
              return error
            }
          }
        }
        return try await group.reduce(into: [RPCError?]()) { $0.append($1) }
      }
      let failures = outcomes.compactMap { $0 }
      #expect(outcomes.count - failures.count == 10)
      #expect(failures.count == 90)
      #expect(failures.allSatisfy { $0.code == .failedPrecondition })
      #expect(failures.allSatisfy { $0.message.contains("HOT-1") })
      let level = try #require(try await clients.level("HOT-1", "MAIN"))
      #expect(level.onHandMilli == 10_000)
      #expect(level.reservedMilli == 10_000)
      #expect(level.availableMilli == 0)
    }
  }

  @Test("Reserving is idempotent by order line; a different request on the same line is refused")
  func reserveIsIdempotent() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("A-1")
      try await clients.stockIn("A-1", "MAIN", 5_000, unitCost: 100)
      let first = try await clients.reserve("SO-7/1", "A-1", "MAIN", 2_000, order: "SO-7")
      let again = try await clients.reserve("SO-7/1", "A-1", "MAIN", 2_000, order: "SO-7")
      #expect(first == again)
      #expect(first.status == .open)
      let level = try #require(try await clients.level("A-1", "MAIN"))
      #expect(level.reservedMilli == 2_000)
      let error = await #expect(throws: RPCError.self) {
        _ = try await clients.reserve("SO-7/1", "A-1", "MAIN", 3_000, order: "SO-7")
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("order_line_id") == true)
    }
  }

  @Test("Releasing gives the stock back once, however often it is asked")
  func releaseIsIdempotent() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("A-2")
      try await clients.stockIn("A-2", "MAIN", 3_000, unitCost: 100)
      _ = try await clients.reserve("SO-8/1", "A-2", "MAIN", 3_000, order: "SO-8")
      var release = Erp_Supplychain_V1_ReleaseRequest()
      release.orderLineID = "SO-8/1"
      let released = try await clients.stock.release(release)
      _ = try await clients.stock.release(release)
      #expect(released.status == .released)
      #expect(released.outstandingMilli == 0)
      let level = try #require(try await clients.level("A-2", "MAIN"))
      #expect(level.reservedMilli == 0)
      #expect(level.availableMilli == 3_000)
      var history = Erp_Supplychain_V1_ItemHistoryRequest()
      history.sku = "A-2"
      let kinds = try await clients.stock.itemHistory(history).moves.map(\.kind)
      #expect(kinds == [.release, .reservation, .adjustment])
    }
  }

  @Test("Reserving more than is available, an unknown item or warehouse, or a zero quantity")
  func refusals() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("A-3")
      try await clients.stockIn("A-3", "MAIN", 1_500, unitCost: 100)
      let short = await #expect(throws: RPCError.self) {
        _ = try await clients.reserve("SO-9/1", "A-3", "MAIN", 2_000)
      }
      #expect(short?.code == .failedPrecondition)
      #expect(short?.message.contains("A-3") == true)
      #expect(short?.message.contains("1.5 available") == true)
      let unknownItem = await #expect(throws: RPCError.self) {
        _ = try await clients.reserve("SO-9/2", "NOPE", "MAIN", 1_000)
      }
      #expect(unknownItem?.code == .notFound)
      #expect(unknownItem?.message.contains("sku") == true)
      let unknownWarehouse = await #expect(throws: RPCError.self) {
        _ = try await clients.reserve("SO-9/3", "A-3", "ELSEWHERE", 1_000)
      }
      #expect(unknownWarehouse?.code == .notFound)
      #expect(unknownWarehouse?.message.contains("warehouse_code") == true)
      for quantity in [0, -1_000] as [Int64] {
        let bad = await #expect(throws: RPCError.self) {
          _ = try await clients.reserve("SO-9/4", "A-3", "MAIN", quantity)
        }
        #expect(bad?.code == .invalidArgument)
        #expect(bad?.message.hasPrefix("quantity_milli") == true)
      }
    }
  }
}

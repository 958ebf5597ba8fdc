import ERPProtos
import GRPCCore
import Testing

@Suite("Valuation and shipping")
struct ValuationTests {
  /// 3 units at 10.00 and 4 at 12.35 hold 30.00 + 49.40 = 79.40 for 7 units. Shipping 2 costs
  /// 79.40 × 2 ÷ 7 = 22.6857… → 22.69, leaving 56.71 for 5; shipping the last 5 costs 56.71.
  @Test("Moving-average cost after receipts at two prices and shipments, by hand")
  func movingAverageMatchesHandComputation() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier()
      _ = try await clients.item("V-1")
      let first = try await clients.order(
        "po-v1",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("V-1", 3_000, 1_000)]
      )
      _ = try await clients.receive("grn-v1", order: first.number, [(1, 3_000)])
      let second = try await clients.order(
        "po-v2",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("V-1", 4_000, 1_235)]
      )
      _ = try await clients.receive("grn-v2", order: second.number, [(1, 4_000)])
      var level = try #require(try await clients.level("V-1", "MAIN"))
      #expect(level.value.unitsMinor == 7_940)

      _ = try await clients.reserve("SO-V/1", "V-1", "MAIN", 7_000, order: "SO-V")
      let partial = try await clients.ship("ship-v1", order: "SO-V", [("SO-V/1", 2_000)])
      #expect(partial.cost.unitsMinor == 2_269)
      #expect(partial.lines[0].backorderMilli == 5_000)
      #expect(partial.journalEntry.hasPrefix("JE-"))
      level = try #require(try await clients.level("V-1", "MAIN"))
      #expect(level.onHandMilli == 5_000)
      #expect(level.value.unitsMinor == 5_671)

      let rest = try await clients.ship("ship-v2", order: "SO-V", [("SO-V/1", 5_000)])
      #expect(rest.cost.unitsMinor == 5_671)
      #expect(rest.lines[0].backorderMilli == 0)
      level = try #require(try await clients.level("V-1", "MAIN"))
      #expect(level.onHandMilli == 0)
      #expect(level.value.unitsMinor == 0)
      var get = Erp_Supplychain_V1_GetReservationRequest()
      get.orderLineID = "SO-V/1"
      #expect(try await clients.stock.getReservation(get).status == .fulfilled)

      // Finance agrees: inventory back to zero, cost of goods sold = the two shipments.
      #expect(try await clients.financeBalance(role: "inventory") == 0)
      #expect(try await clients.financeBalance(role: "cost_of_goods_sold") == 7_940)
      var list = Erp_Supplychain_V1_ListShipmentsRequest()
      list.orderID = "SO-V"
      #expect(
        try await clients.shipping.listShipments(list).shipments.map(\.number) == [
          partial.number, rest.number,
        ]
      )
    }
  }

  @Test("The inventory valuation report agrees with finance's inventory account")
  func valuationAgreesWithFinance() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      try await clients.warehouse("EAST")
      let supplier = try await clients.supplier()
      _ = try await clients.item("V-2", cost: 700)
      _ = try await clients.item("V-3")
      let order = try await clients.order(
        "po-v3",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("V-2", 9_000, 777), ("V-3", 2_500, 1_999)]
      )
      _ = try await clients.receive("grn-v3", order: order.number, [(1, 9_000), (2, 2_500)])
      var adjust = Erp_Supplychain_V1_AdjustStockRequest()
      adjust.requestID = "count-1"
      adjust.sku = "V-2"
      adjust.warehouseCode = "EAST"
      adjust.quantityMilli = 1_000
      adjust.reason = "found in count"
      _ = try await clients.stock.adjust(adjust)  // at the standard cost, 7.00
      adjust.requestID = "damage-1"
      adjust.warehouseCode = "MAIN"
      adjust.quantityMilli = -2_000
      adjust.reason = "damaged"
      let writeOff = try await clients.stock.adjust(adjust)
      #expect(writeOff.valueChange.unitsMinor == -1_554)
      _ = try await clients.reserve("SO-W/1", "V-3", "MAIN", 1_000, order: "SO-W")
      _ = try await clients.ship("ship-w", order: "SO-W", [("SO-W/1", 1_000)])

      let valuation = try await clients.stock.inventoryValuation(.init())
      #expect(valuation.undeliveredPostings == 0)
      // 6,993 + 4,998 received; +700 counted; -1,554 written off; -1,999 shipped (2.5 → 1.5).
      #expect(valuation.total.unitsMinor == 6_993 + 4_998 + 700 - 1_554 - 1_999)
      #expect(try await clients.financeBalance(role: "inventory") == valuation.total.unitsMinor)
      #expect(try await clients.financeBalance(role: "inventory_adjustments") == 1_554 - 700)
    }
  }

  @Test("A partial shipment leaves a backorder; shipping more than reserved is refused")
  func partialShipments() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("S-1")
      try await clients.stockIn("S-1", "MAIN", 10_000, unitCost: 250)
      _ = try await clients.reserve("SO-S/1", "S-1", "MAIN", 6_000, order: "SO-S")
      let first = try await clients.ship(
        "ship-s1",
        order: "SO-S",
        [("SO-S/1", 4_000)],
        tracking: "1Z999"
      )
      #expect(first.trackingNumber == "1Z999")
      #expect(first.lines[0].backorderMilli == 2_000)
      let again = try await clients.ship(
        "ship-s1",
        order: "SO-S",
        [("SO-S/1", 4_000)],
        tracking: "1Z999"
      )
      #expect(again.number == first.number)
      let over = await #expect(throws: RPCError.self) {
        _ = try await clients.ship("ship-s2", order: "SO-S", [("SO-S/1", 3_000)])
      }
      #expect(over?.code == .failedPrecondition)
      #expect(over?.message.hasPrefix("lines[0].quantity_milli") == true)
      let wrongOrder = await #expect(throws: RPCError.self) {
        _ = try await clients.ship("ship-s3", order: "SO-OTHER", [("SO-S/1", 1_000)])
      }
      #expect(wrongOrder?.code == .invalidArgument)
      let level = try #require(try await clients.level("S-1", "MAIN"))
      #expect(level.onHandMilli == 6_000)
      #expect(level.reservedMilli == 2_000)
    }
  }

  @Test("A customer return comes back at the cost it shipped at and off cost of goods sold")
  func customerReturn() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("RT-1")
      try await clients.stockIn("RT-1", "MAIN", 3_000, unitCost: 1_001)  // 30.03
      _ = try await clients.reserve("SO-R/1", "RT-1", "MAIN", 3_000, order: "SO-R")
      _ = try await clients.ship("ship-r", order: "SO-R", [("SO-R/1", 3_000)])
      var request = Erp_Supplychain_V1_ReceiveReturnRequest()
      request.requestID = "ret-1"
      request.orderLineID = "SO-R/1"
      request.quantityMilli = 1_000
      let back = try await clients.shipping.receiveReturn(request)
      #expect(try await clients.shipping.receiveReturn(request) == back)
      #expect(back.value.unitsMinor == 1_001)
      request.requestID = "ret-2"
      request.quantityMilli = 2_000
      #expect(try await clients.shipping.receiveReturn(request).value.unitsMinor == 2_002)
      request.requestID = "ret-3"
      request.quantityMilli = 1
      let tooMany = await #expect(throws: RPCError.self) {
        _ = try await clients.shipping.receiveReturn(request)
      }
      #expect(tooMany?.code == .failedPrecondition)
      #expect(try await clients.level("RT-1", "MAIN")?.onHandMilli == 3_000)
      #expect(try await clients.financeBalance(role: "cost_of_goods_sold") == 0)
      #expect(try await clients.financeBalance(role: "inventory") == 3_003)
    }
  }
}

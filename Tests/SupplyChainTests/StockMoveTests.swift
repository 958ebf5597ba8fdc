import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@Suite("Stock moves")
struct StockMoveTests {
  @Test("Transfers keep the totals; transferring reserved or missing stock is refused")
  func transfersKeepTotals() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      try await clients.warehouse("EAST")
      _ = try await clients.item("T-1")
      try await clients.stockIn("T-1", "MAIN", 7_000, unitCost: 1_001)
      _ = try await clients.reserve("SO-T/1", "T-1", "MAIN", 2_000, order: "SO-T")
      var transfer = Erp_Supplychain_V1_TransferRequest()
      transfer.requestID = "tr-1"
      transfer.sku = "T-1"
      transfer.fromWarehouseCode = "MAIN"
      transfer.toWarehouseCode = "EAST"
      transfer.quantityMilli = 3_000
      let moved = try await clients.stock.transfer(transfer)
      let repeated = try await clients.stock.transfer(transfer)
      #expect(moved == repeated)
      #expect(moved.out.valueChange.unitsMinor == -moved.in.valueChange.unitsMinor)
      var all = Erp_Supplychain_V1_StockOnHandRequest()
      all.sku = "T-1"
      let levels = try await clients.stock.stockOnHand(all).levels
      #expect(levels.map(\.warehouseCode) == ["EAST", "MAIN"])
      #expect(levels.reduce(0) { $0 + $1.onHandMilli } == 7_000)
      #expect(levels.reduce(0) { $0 + $1.value.unitsMinor } == 7_007)
      #expect(levels.first?.onHandMilli == 3_000)

      transfer.requestID = "tr-2"
      transfer.quantityMilli = 3_000  // 4 on hand in MAIN, 2 of them reserved
      let reserved = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.transfer(transfer)
      }
      #expect(reserved?.code == .failedPrecondition)
      #expect(reserved?.message.contains("T-1") == true)
      #expect(reserved?.message.contains("MAIN") == true)
      transfer.toWarehouseCode = "MAIN"
      let same = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.transfer(transfer)
      }
      #expect(same?.code == .invalidArgument)
      #expect(try await clients.financeBalance(role: "inventory") == 7_007)
    }
  }

  @Test("Adjustments refuse zero, writing off more than on hand, unknown items and warehouses")
  func adjustmentRefusals() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN", locations: ["A-01"])
      _ = try await clients.item("J-1")
      var adjust = Erp_Supplychain_V1_AdjustStockRequest()
      adjust.requestID = "adj-1"
      adjust.sku = "J-1"
      adjust.warehouseCode = "MAIN"
      adjust.quantityMilli = 0
      let zero = await #expect(throws: RPCError.self) { _ = try await clients.stock.adjust(adjust) }
      #expect(zero?.code == .invalidArgument)
      #expect(zero?.message.hasPrefix("quantity_milli") == true)
      adjust.quantityMilli = -1_000
      let negative = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.adjust(adjust)
      }
      #expect(negative?.code == .failedPrecondition)
      #expect(negative?.message.contains("J-1") == true)
      adjust.quantityMilli = 1_000
      adjust.sku = "MISSING"
      let item = await #expect(throws: RPCError.self) { _ = try await clients.stock.adjust(adjust) }
      #expect(item?.code == .notFound)
      #expect(item?.message.hasPrefix("sku") == true)
      adjust.sku = "J-1"
      adjust.warehouseCode = "NOWHERE"
      let warehouse = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.adjust(adjust)
      }
      #expect(warehouse?.code == .notFound)
      #expect(warehouse?.message.hasPrefix("warehouse_code") == true)
      adjust.warehouseCode = "MAIN"
      adjust.location = "Z-99"
      let location = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.adjust(adjust)
      }
      #expect(location?.message.hasPrefix("location") == true)
      adjust.location = "A-01"
      adjust.unitCost = money(100, "USD")
      let currency = await #expect(throws: RPCError.self) {
        _ = try await clients.stock.adjust(adjust)
      }
      #expect(currency?.message.hasPrefix("unit_cost.currency_code") == true)
      // Nothing half-written: no level and no move for the item.
      #expect(try await clients.level("J-1", "MAIN") == nil)
    }
  }

  @Test("Slow movers: stocked items not issued since a date, highest value first")
  func slowMovers() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      for sku in ["M-1", "M-2", "M-3"] { _ = try await clients.item(sku) }
      try await clients.stockIn("M-1", "MAIN", 5_000, unitCost: 100)
      try await clients.stockIn("M-2", "MAIN", 5_000, unitCost: 900)
      try await clients.stockIn("M-3", "MAIN", 5_000, unitCost: 500)
      _ = try await clients.reserve("SO-M/1", "M-3", "MAIN", 1_000, order: "SO-M")
      var ship = Erp_Supplychain_V1_ShipOrderRequest()
      ship.requestID = "ship-m"
      ship.orderID = "SO-M"
      var line = Erp_Supplychain_V1_ShipmentLine()
      line.orderLineID = "SO-M/1"
      line.quantityMilli = 1_000
      ship.lines = [line]
      _ = try await clients.shipping.shipOrder(ship)
      var request = Erp_Supplychain_V1_SlowMoversRequest()
      request.notIssuedSince = CalendarDate.today().proto
      let slow = try await clients.stock.slowMovers(request).items
      #expect(slow.map(\.sku) == ["M-2", "M-1"])
      #expect(slow.map(\.value.unitsMinor) == [4_500, 500])
      #expect(slow.allSatisfy { $0.lastIssuedAt == 0 })
    }
  }
}

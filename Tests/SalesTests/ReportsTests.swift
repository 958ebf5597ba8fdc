import ERPProtos
import ERPStore
import GRPCCore
import Testing

/// Backlog, TopItems and GetSettings, which no other test calls: each against amounts worked
/// out by hand from the orders the test makes.
@Suite("Sales: backlog, top items, settings")
struct ReportsTests {
  @Test("Backlog holds what is confirmed and unshipped; TopItems ranks what was invoiced")
  func backlogAndTopItems() async throws {
    try await SalesStack.run { stack in
      // A: TEA-1 3 × 30.00 = 90.00, CUP-1 2 × 15.00 = 30.00. B: CUP-1 1 × 15.00.
      let a = try await stack.orders.createOrder(
        stack.orderRequest("bl-a", [("TEA-1", 3_000, 30_00, 0), ("CUP-1", 2_000, 15_00, 0)])
      )
      let b = try await stack.orders.createOrder(
        stack.orderRequest("bl-b", [("CUP-1", 1_000, 15_00, 0)])
      )
      _ = try await stack.orders.createOrder(
        stack.orderRequest("bl-draft", [("TEA-1", 1_000, 30_00, 0)])
      )
      for number in [a.number, b.number] {
        var ref = Erp_Sales_V1_OrderRef()
        ref.number = number
        _ = try await stack.orders.confirmOrder(ref)
      }
      var ship = Erp_Sales_V1_ShipOrderRequest()
      ship.requestID = "bl-ship-a"
      ship.number = a.number
      var line = Erp_Sales_V1_ShipLine()
      line.lineNumber = 1
      line.quantityMilli = 1_000
      ship.lines = [line]
      #expect(try await stack.orders.shipOrder(ship).status == .partlyShipped)

      // A: TEA-1 90.00 × 2/3 unshipped = 60.00, CUP-1 30.00; B: 15.00. The draft is not in it.
      let backlog = try await stack.reports.backlog(.init()).orders
      #expect(backlog.map(\.number) == [a.number, b.number])
      #expect(backlog.map(\.status) == [.partlyShipped, .confirmed])
      #expect(backlog.map(\.unshipped.unitsMinor) == [90_00, 15_00])
      #expect(backlog.allSatisfy { $0.customerID == stack.customerID })

      ship.requestID = "bl-ship-b"
      ship.number = b.number
      ship.lines = []
      #expect([.shipped, .invoiced].contains(try await stack.orders.shipOrder(ship).status))
      #expect(try await stack.reports.backlog(.init()).orders.map(\.number) == [a.number])

      let today = CalendarDate.today().proto
      var top = Erp_Sales_V1_TopItemsRequest()
      top.from = today
      top.to = today
      let items = try await stack.reports.topItems(top).items
      #expect(items.map(\.sku) == ["TEA-1", "CUP-1"])
      #expect(items.map(\.quantityMilli) == [1_000, 1_000])
      #expect(items.map(\.net.unitsMinor) == [30_00, 15_00])
      top.limit = 1
      #expect(try await stack.reports.topItems(top).items.map(\.sku) == ["TEA-1"])
      top.limit = 101
      let limit = await #expect(throws: RPCError.self) { try await stack.reports.topItems(top) }
      #expect(limit?.code == .invalidArgument)
      #expect(limit?.message.hasPrefix("limit:") == true)
    }
  }

  @Test("GetSettings answers what UpdateSettings stored")
  func settings() async throws {
    try await SalesStack.run { stack in
      let defaults = try await stack.pricing.getSettings(.init())  // as the stack set them
      #expect(defaults.invoiceOn == .shipment)
      #expect(defaults.paymentTermsDays == 30)
      var changed = defaults
      changed.invoiceOn = .confirmation
      changed.paymentTermsDays = 45
      _ = try await stack.pricing.updateSettings(changed)
      let stored = try await stack.pricing.getSettings(.init())
      #expect(stored.invoiceOn == .confirmation)
      #expect(stored.paymentTermsDays == 45)
    }
  }
}

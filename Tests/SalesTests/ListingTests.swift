import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

/// ListOrders and ListPriceLists, which no other test calls, and the lifecycle's refusals as
/// the API answers them (the transitions themselves: OrderLifecycleTests).
@Suite("Sales: listing orders and price lists")
struct ListingTests {
  @Test("ListOrders: the customer's orders, newest first, no quotations, within the limit")
  func listOrders() async throws {
    try await SalesStack.run { stack in
      let first = try await stack.orders.createOrder(
        stack.orderRequest("lo-1", [("TEA-1", 1_000, 30_00, 0)])
      )
      _ = try await stack.orders.createQuotation(
        stack.orderRequest("lo-q", [("TEA-1", 1_000, 30_00, 0)])
      )
      let second = try await stack.orders.createOrder(
        stack.orderRequest("lo-2", [("CUP-1", 2_000, 15_00, 0)])
      )
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = first.number
      #expect(try await stack.orders.cancelOrder(ref).status == .cancelled)

      var request = Erp_Sales_V1_ListOrdersRequest()
      request.customerID = stack.customerID
      let listed = try await stack.orders.listOrders(request).orders
      #expect(listed.map(\.number) == [second.number, first.number])
      #expect(listed.map(\.status) == [.draft, .cancelled])
      #expect(listed[0].total.unitsMinor == 34_50)  // 30.00 + 15 % VAT
      #expect(listed[0].lines.map(\.sku) == ["CUP-1"])
      request.limit = 1
      #expect(try await stack.orders.listOrders(request).orders.map(\.number) == [second.number])
      request.customerID = "C-999999"
      #expect(try await stack.orders.listOrders(request).orders.isEmpty)
      request.limit = 101
      let limit = await #expect(throws: RPCError.self) {
        try await stack.orders.listOrders(request)
      }
      #expect(limit?.code == .invalidArgument)
      #expect(limit?.message.hasPrefix("limit:") == true)

      // What the lifecycle refuses, as the API says it.
      let confirm = await #expect(throws: RPCError.self) {
        try await stack.orders.confirmOrder(ref)
      }
      #expect(confirm?.code == .failedPrecondition)
      #expect(confirm?.message == "number: \(first.number) is cancelled; only a draft is confirmed")
      var ship = Erp_Sales_V1_ShipOrderRequest()
      ship.requestID = "lo-ship"
      ship.number = second.number
      let draft = await #expect(throws: RPCError.self) { try await stack.orders.shipOrder(ship) }
      #expect(draft?.code == .failedPrecondition)
      #expect(draft?.message == "number: \(second.number) is draft; nothing to ship")
      ref.number = second.number
      let convert = await #expect(throws: RPCError.self) {
        try await stack.orders.convertQuotation(ref)
      }
      #expect(convert?.message == "number: \"\(second.number)\" is not a quotation")
      #expect(try await stack.order(second.number).status == .draft)
    }
  }

  @Test("ListPriceLists: every list in code order, with its entries and validity")
  func listPriceLists() async throws {
    try await SalesStack.run { stack in
      #expect(try await stack.pricing.listPriceLists(.init()).priceLists.isEmpty)
      for (code, name, entries, to) in [
        ("WHOLESALE", "الجملة", [("TEA-1", 25_00 as Int64)], CalendarDate?.none),
        ("RETAIL", "التجزئة", [("TEA-1", 30_00), ("CUP-1", 12_00)], CalendarDate?.none),
        ("PROMO", "عرض", [("CUP-1", 9_00)], CalendarDate(year: 2026, month: 12, day: 31)),
      ] {
        var list = Erp_Sales_V1_PriceList()
        list.code = code
        list.requestID = "price-list-\(code)"
        list.name = name
        list.currencyCode = "SAR"
        list.validFrom = CalendarDate(year: 2026, month: 1, day: 1).proto
        if let to { list.validTo = to.proto }
        list.entries = entries.map { sku, price in
          var entry = Erp_Sales_V1_PriceListEntry()
          entry.sku = sku
          entry.unitPriceMinor = price
          return entry
        }
        _ = try await stack.pricing.createPriceList(list)
      }
      let lists = try await stack.pricing.listPriceLists(.init()).priceLists
      #expect(lists.map(\.code) == ["PROMO", "RETAIL", "WHOLESALE"])
      #expect(lists.map(\.name) == ["عرض", "التجزئة", "الجملة"])
      #expect(lists[1].entries.map(\.sku) == ["CUP-1", "TEA-1"])
      #expect(lists[1].entries.map(\.unitPriceMinor) == [12_00, 30_00])
      #expect(lists[0].validTo == CalendarDate(year: 2026, month: 12, day: 31).proto)
      #expect(!lists[1].hasValidTo)
      #expect(lists.allSatisfy { $0.currencyCode == "SAR" })
    }
  }
}

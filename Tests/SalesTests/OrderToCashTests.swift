import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@Suite("Order to cash across the services")
struct OrderToCashTests {
  /// TEA-1: 3 × 30.00 from the price list = 90.00, less 5 % order discount = 85.50, VAT 12.825 →
  /// 12.83. CUP-1: 2 × 15.00 = 30.00, less 10 % = 27.00, less 5 % = 25.65, VAT 3.8475 → 3.85.
  /// Subtotal 111.15, VAT 16.68, total 127.83.
  @Test(
    "quote → order → confirm → ship (twice) → invoices → payment → paid, checked in every service"
  )
  func orderToCash() async throws {
    try await SalesStack.run { stack in
      var list = Erp_Sales_V1_PriceList()
      list.code = "RETAIL"
      list.requestID = "price-list-RETAIL"
      list.name = "قائمة التجزئة"
      list.currencyCode = "SAR"
      list.validFrom = CalendarDate(year: 2026, month: 1, day: 1).proto
      list.entries = ([("TEA-1", 30_00), ("CUP-1", 12_00)] as [(String, Int64)]).map { sku, price in
        var entry = Erp_Sales_V1_PriceListEntry()
        entry.sku = sku
        entry.unitPriceMinor = price
        return entry
      }
      _ = try await stack.pricing.createPriceList(list)
      let quotation = try await stack.orders.createQuotation(
        stack.orderRequest(
          "q-1",
          [("TEA-1", 3_000, 0, 0), ("CUP-1", 2_000, 15_00, 1_000)],
          priceList: "RETAIL",
          orderDiscount: 500
        )
      )
      #expect(quotation.status == .quotation)
      #expect(quotation.lines.map(\.netMinor) == [85_50, 25_65])
      #expect(quotation.lines.map(\.taxMinor) == [12_83, 3_85])
      #expect(quotation.total.unitsMinor == 127_83)
      #expect(quotation.lines[0].description_p == "شاي")

      var ref = Erp_Sales_V1_OrderRef()
      ref.number = quotation.number
      let draft = try await stack.orders.convertQuotation(ref)
      #expect(try await stack.orders.convertQuotation(ref).number == draft.number)
      #expect(draft.status == .draft)
      #expect(draft.relatedNumber == quotation.number)

      ref.number = draft.number
      let confirmed = try await stack.orders.confirmOrder(ref)
      #expect(confirmed.status == .confirmed)
      #expect(try await stack.reservation("\(draft.number)/1")?.quantityMilli == 3_000)
      #expect(try await stack.available("CUP-1") == 2_000)

      var first = Erp_Sales_V1_ShipOrderRequest()
      first.requestID = "ship-1"
      first.number = draft.number
      first.trackingNumber = "TRK-1"
      var line = Erp_Sales_V1_ShipLine()
      line.lineNumber = 1
      line.quantityMilli = 2_000
      first.lines = [line]
      let partly = try await stack.orders.shipOrder(first)
      #expect(partly.status == .partlyShipped)
      #expect(try await stack.orders.shipOrder(first).lines[0].shippedMilli == 2_000)  // a repeat
      var rest = Erp_Sales_V1_ShipOrderRequest()
      rest.requestID = "ship-2"
      rest.number = draft.number
      let shipped = try await stack.orders.shipOrder(rest)
      #expect(shipped.status == .invoiced)
      #expect(shipped.invoiceNumbers.count == 2)

      // Finance: two invoices adding up to the order; revenue, VAT, receivable, cost of goods.
      var invoices: [Erp_Finance_V1_Invoice] = []
      for number in shipped.invoiceNumbers {
        var get = Erp_Finance_V1_GetInvoiceRequest()
        get.number = number
        invoices.append(try await stack.billing.getInvoice(get))
      }
      #expect(invoices.map(\.subtotal.unitsMinor).reduce(0, +) == 111_15)
      #expect(invoices.map(\.tax.unitsMinor).reduce(0, +) == 16_68)
      #expect(try await stack.balance(role: "accounts_receivable") == 127_83)
      #expect(try await stack.balance(role: "sales_revenue") == -111_15)
      #expect(try await stack.balance(role: "cost_of_goods_sold") == 3 * 20_00 + 2 * 5_00)
      // Supply chain: the stock went out.
      #expect(try await stack.available("TEA-1") == 7_000)
      var history = Erp_Supplychain_V1_ItemHistoryRequest()
      history.sku = "TEA-1"
      let kinds = try await stack.stock.itemHistory(history).moves.map(\.kind)
      #expect(kinds.filter { $0 == .issue }.count == 2)
      #expect(kinds.filter { $0 == .reservation }.count == 1)

      // Paid in finance → paid here.
      for (index, invoice) in invoices.enumerated() {
        var payment = Erp_Finance_V1_RecordPaymentRequest()
        payment.requestID = "pay-\(index)"
        payment.direction = .receivable
        payment.partyID = stack.customerID
        payment.amount = invoice.total
        payment.date = CalendarDate.today().proto
        var allocation = Erp_Finance_V1_Allocation()
        allocation.invoiceNumber = invoice.number
        allocation.amount = invoice.total
        payment.allocations = [allocation]
        _ = try await stack.billing.recordPayment(payment)
      }
      #expect(try await stack.order(draft.number).status == .paid)
      #expect(try await stack.balance(role: "accounts_receivable") == 0)

      // Customers: the timeline has the order's facts, each once.
      let confirmedEvents = try await stack.events("order_confirmed")
      #expect(confirmedEvents.count == 1)
      #expect(confirmedEvents.first?.amount.unitsMinor == 127_83)
      #expect(try await stack.events("shipment_sent").count == 2)
      #expect(try await stack.events("invoice_paid").count == 1)

      var revenue = Erp_Sales_V1_RevenueRequest()
      revenue.from = CalendarDate.today().proto
      revenue.to = CalendarDate.today().proto
      revenue.groupBy = .item
      let byItem = try await stack.reports.revenue(revenue).lines
      #expect(byItem.map(\.key) == ["TEA-1", "CUP-1"])
      #expect(byItem.map(\.net.unitsMinor) == [85_50, 25_65])
    }
  }

  @Test("Confirm with one line short of stock leaves no reservation and names the line")
  func shortLineReservesNothing() async throws {
    try await SalesStack.run { stack in
      let order = try await stack.orders.createOrder(
        stack.orderRequest("o-short", [("TEA-1", 5_000, 30_00, 0), ("CUP-1", 9_000, 12_00, 0)])
      )
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = order.number
      let error = await #expect(throws: RPCError.self) {
        _ = try await stack.orders.confirmOrder(ref)
      }
      #expect(error?.code == .failedPrecondition)
      #expect(error?.message.hasPrefix("lines[1] (CUP-1)") == true)
      #expect(try await stack.available("TEA-1") == 10_000)
      #expect(try await stack.available("CUP-1") == 4_000)
      #expect(try await stack.reservation("\(order.number)/1")?.outstandingMilli ?? 0 == 0)
      let after = try await stack.order(order.number)
      #expect(after.status == .draft)
      #expect(after.lastError.contains("CUP-1"))
      #expect(try await stack.events("order_confirmed").isEmpty)
    }
  }

  @Test("A retried confirm creates nothing twice: one reservation per line, one invoice, one event")
  func retriedConfirm() async throws {
    try await SalesStack.run(invoiceOn: .confirmation) { stack in
      let order = try await stack.orders.createOrder(
        stack.orderRequest("o-retry", [("TEA-1", 2_000, 30_00, 0)])
      )
      let ref = {
        var ref = Erp_Sales_V1_OrderRef(); ref.number = order.number; return ref
      }()
      let outcomes = try await withThrowingTaskGroup(of: Erp_Sales_V1_OrderStatus.self) { group in
        for _ in 0..<5 { group.addTask { try await stack.orders.confirmOrder(ref).status } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(outcomes.allSatisfy { $0 == .confirmed })
      let again = try await stack.orders.confirmOrder(ref)
      #expect(again.invoiceNumbers.count == 1)
      #expect(try await stack.available("TEA-1") == 8_000)
      #expect(try await stack.balance(role: "accounts_receivable") == again.total.unitsMinor)
      #expect(try await stack.events("order_confirmed").count == 1)

      // Cancelling releases the stock and credits the invoice.
      let cancelled = try await stack.orders.cancelOrder(ref)
      #expect(cancelled.status == .cancelled)
      #expect(cancelled.creditNoteNumbers.count == 1)
      #expect(try await stack.available("TEA-1") == 10_000)
      #expect(try await stack.balance(role: "accounts_receivable") == 0)
    }
  }

  @Test("A return puts the stock back, credits the customer and takes the cost off")
  func returns() async throws {
    try await SalesStack.run { stack in
      let order = try await stack.orders.createOrder(
        stack.orderRequest("o-return", [("TEA-1", 3_000, 30_00, 0)])
      )
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = order.number
      _ = try await stack.orders.confirmOrder(ref)
      var ship = Erp_Sales_V1_ShipOrderRequest()
      ship.requestID = "ship-r"
      ship.number = order.number
      _ = try await stack.orders.shipOrder(ship)
      var back = Erp_Sales_V1_ReturnGoodsRequest()
      back.requestID = "ret-1"
      back.number = order.number
      back.reason = "تالف"
      var line = Erp_Sales_V1_ShipLine()
      line.lineNumber = 1
      line.quantityMilli = 1_000
      back.lines = [line]
      let returned = try await stack.orders.returnGoods(back)
      #expect(
        try await stack.orders.returnGoods(back).creditNoteNumbers == returned.creditNoteNumbers
      )
      #expect(returned.lines[0].returnedMilli == 1_000)
      #expect(returned.creditNoteNumbers.count == 1)
      #expect(try await stack.available("TEA-1") == 8_000)
      #expect(try await stack.balance(role: "cost_of_goods_sold") == 2 * 20_00)
      // 90.00 + 13.50 VAT invoiced, 30.00 + 4.50 credited.
      #expect(try await stack.balance(role: "accounts_receivable") == 103_50 - 34_50)
    }
  }
}

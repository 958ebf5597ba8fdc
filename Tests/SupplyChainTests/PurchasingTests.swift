import ERPProtos
import GRPCCore
import Testing

@Suite("Purchasing")
struct PurchasingTests {
  @Test("A receipt retried with the same request id creates one receipt and one bill")
  func retriedReceiptMakesOneBill() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier()
      _ = try await clients.item("P-1")
      let order = try await clients.order(
        "po-1",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("P-1", 10_000, 2_500)]
      )
      #expect(order.status == .ordered)
      #expect(order.total.unitsMinor == 25_000)
      let receipts = try await withThrowingTaskGroup(of: Erp_Supplychain_V1_GoodsReceipt.self) {
        group in
        for _ in 0..<4 {
          group.addTask { try await clients.receive("grn-1", order: order.number, [(1, 4_000)]) }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      let again = try await clients.receive("grn-1", order: order.number, [(1, 4_000)])
      #expect(Set(receipts.map(\.number) + [again.number]).count == 1)
      #expect(again.billNumber.hasPrefix("BILL-"))
      #expect(again.value.unitsMinor == 10_000)
      #expect(again.orderStatus == .partlyReceived)

      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = again.billNumber
      let bill = try await clients.billing.getInvoice(get)
      #expect(bill.direction == .payable)
      #expect(bill.partyID == supplier.code)
      #expect(bill.subtotal.unitsMinor == 10_000)
      #expect(bill.tax.unitsMinor == 1_500)
      // One bill's worth on the books: payable 115.00, inventory 100.00.
      #expect(try await clients.financeBalance(role: "accounts_payable") == -11_500)
      #expect(try await clients.financeBalance(role: "inventory") == 10_000)
      let level = try #require(try await clients.level("P-1", "MAIN"))
      #expect(level.onHandMilli == 4_000)
    }
  }

  @Test("Receiving the rest completes the order; more than is open is refused")
  func receivingCompletesTheOrder() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier()
      _ = try await clients.item("P-2")
      _ = try await clients.item("P-3")
      let order = try await clients.order(
        "po-2",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("P-2", 2_000, 1_000), ("P-3", 1_000, 333)]
      )
      _ = try await clients.receive("grn-2a", order: order.number, [(1, 1_000)])
      let tooMuch = await #expect(throws: RPCError.self) {
        _ = try await clients.receive("grn-2b", order: order.number, [(1, 1_500)])
      }
      #expect(tooMuch?.code == .failedPrecondition)
      #expect(tooMuch?.message.hasPrefix("lines[0].quantity_milli") == true)
      let last = try await clients.receive("grn-2c", order: order.number, [(1, 1_000), (2, 1_000)])
      #expect(last.orderStatus == .received)
      var cancel = Erp_Supplychain_V1_PurchaseOrderRef()
      cancel.number = order.number
      let notCancellable = await #expect(throws: RPCError.self) {
        _ = try await clients.purchasing.cancelPurchaseOrder(cancel)
      }
      #expect(notCancellable?.code == .failedPrecondition)
    }
  }

  @Test("Receiving against a draft, an unknown currency and an unknown tax code are refused")
  func refusals() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier()
      _ = try await clients.item("P-4")
      var request = Erp_Supplychain_V1_CreatePurchaseOrderRequest()
      request.requestID = "po-draft"
      request.supplierCode = supplier.code
      request.warehouseCode = "MAIN"
      request.currencyCode = "SAR"
      var line = Erp_Supplychain_V1_PurchaseOrderLine()
      line.sku = "P-4"
      line.quantityMilli = 1_000
      line.unitCostMinor = 100
      request.lines = [line]
      let draft = try await clients.purchasing.createPurchaseOrder(request)
      #expect(draft.status == .draft)
      let early = await #expect(throws: RPCError.self) {
        _ = try await clients.receive("grn-early", order: draft.number, [(1, 1_000)])
      }
      #expect(early?.code == .failedPrecondition)

      var foreign = request
      foreign.requestID = "po-zzz"
      foreign.currencyCode = "ZZZ"
      let currency = await #expect(throws: RPCError.self) {
        _ = try await clients.purchasing.createPurchaseOrder(foreign)
      }
      #expect(currency?.code == .invalidArgument)
      #expect(currency?.message.hasPrefix("currency_code") == true)

      var taxed = request
      taxed.requestID = "po-tax"
      taxed.lines[0].taxCode = "NOPE"
      let tax = await #expect(throws: RPCError.self) {
        _ = try await clients.purchasing.createPurchaseOrder(taxed)
      }
      #expect(tax?.message.hasPrefix("lines[0].tax_code") == true)

      var unknown = request
      unknown.requestID = "po-unknown"
      unknown.lines[0].sku = "NOPE"
      let item = await #expect(throws: RPCError.self) {
        _ = try await clients.purchasing.createPurchaseOrder(unknown)
      }
      #expect(item?.code == .notFound)
      #expect(item?.message.hasPrefix("lines[0].sku") == true)
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@Suite("Purchasing in a foreign currency")
struct ForeignPurchasingTests {
  @Test("a USD order is received at the day's rate, stock in SAR, and paying it realises the rest")
  func usdOrderReceivedAndPaid() async throws {
    try await SupplyHarness.run { clients in
      let today = CalendarDate.today()
      try await Self.rate(clients.ledger, "3.75", CalendarDate(year: 2020, month: 1, day: 1))
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier("Gulf Imports")
      _ = try await clients.item("US-1")
      let order = try await Self.placed(clients, supplier.code, "USD", "US-1", 10_000, 12_34)
      #expect(order.total == Erp_Common_V1_Money(123_40, "USD"))

      // 10 × 12.34 = 123.40 USD at 3.75 = 462.75 SAR of stock.
      let receipt = try await clients.receive("grn-usd", order: order.number, [(1, 10_000)])
      #expect(receipt.value == Erp_Common_V1_Money(123_40, "USD"))
      #expect(receipt.exchangeRate == "3.75")
      #expect(receipt.baseValue == Erp_Common_V1_Money(462_75, "SAR"))
      let level = try #require(try await clients.level("US-1", "MAIN"))
      #expect(level.value == Erp_Common_V1_Money(462_75, "SAR"))
      #expect(try await clients.financeBalance(role: "inventory") == 462_75)

      // The bill is in USD: 123.40 + 15 % (18.51) = 141.91 USD, carried at 532.16 SAR
      // (inventory 462.75 + VAT 69.41).
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = receipt.billNumber
      let bill = try await clients.billing.getInvoice(get)
      #expect(bill.total == Erp_Common_V1_Money(141_91, "USD"))
      #expect(try await clients.financeBalance(role: "accounts_payable") == -532_16)

      // Paid tomorrow at 3.80: 539.26 SAR (141.91 × 3.80 = 539.258) for 532.16 carried, a loss
      // of 7.10 SAR; nothing is left payable.
      let tomorrow = today.adding(days: 1)
      try await Self.rate(clients.ledger, "3.80", tomorrow)
      var pay = Erp_Finance_V1_RecordPaymentRequest()
      pay.requestID = "pay-usd"
      pay.direction = .payable
      pay.partyID = supplier.code
      pay.amount = Erp_Common_V1_Money(141_91, "USD")
      pay.date = tomorrow.proto
      var allocation = Erp_Finance_V1_Allocation()
      allocation.invoiceNumber = bill.number
      allocation.amount = pay.amount
      pay.allocations = [allocation]
      let payment = try await clients.billing.recordPayment(pay)
      #expect(payment.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(-7_10, "SAR")])
      #expect(try await clients.financeBalance(role: "accounts_payable") == 0)
      #expect(try await clients.financeBalance(role: "fx_loss") == 7_10)
      #expect(try await clients.financeBalance(role: "cash") == -539_26)
    }
  }

  @Test("a receipt of a foreign order with no rate at finance is refused and changes nothing")
  func noRateNoReceipt() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier("Euro Parts")
      _ = try await clients.item("EU-1")
      let order = try await Self.placed(clients, supplier.code, "EUR", "EU-1", 1_000, 5_00)
      let refused = await #expect(throws: RPCError.self) {
        _ = try await clients.receive("grn-eur", order: order.number, [(1, 1_000)])
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.hasPrefix("receipt_date: finance has no EUR rate") == true)
      #expect(try await clients.level("EU-1", "MAIN")?.onHandMilli ?? 0 == 0)
    }
  }

  /// A placed order in `currency` for one line into MAIN.
  static func placed(
    _ clients: SupplyClients,
    _ supplier: String,
    _ currency: String,
    _ sku: String,
    _ quantityMilli: Int64,
    _ unitCost: Int64
  ) async throws -> Erp_Supplychain_V1_PurchaseOrder {
    var create = Erp_Supplychain_V1_CreatePurchaseOrderRequest()
    create.requestID = "po-\(currency)"
    create.supplierCode = supplier
    create.warehouseCode = "MAIN"
    create.currencyCode = currency
    var line = Erp_Supplychain_V1_PurchaseOrderLine()
    line.sku = sku
    line.quantityMilli = quantityMilli
    line.unitCostMinor = unitCost
    create.lines = [line]
    let order = try await clients.purchasing.createPurchaseOrder(create)
    var place = Erp_Supplychain_V1_PurchaseOrderRef()
    place.number = order.number
    return try await clients.purchasing.placePurchaseOrder(place)
  }

  static func rate(_ ledger: Ledger, _ rate: String, _ effective: CalendarDate) async throws {
    var request = Erp_Finance_V1_SetExchangeRateRequest()
    request.currencyCode = "USD"
    request.rate = rate
    request.effective = effective.proto
    _ = try await ledger.setExchangeRate(request)
  }
}

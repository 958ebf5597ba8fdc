import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import GRPCCore

/// The demo tenant's orders, one in each state an order keeps: a quotation, a quotation
/// converted into a draft order, a confirmed order, one partly shipped, one invoiced, one paid
/// (its invoice paid in finance) and one cancelled. ("Shipped" lasts only until the shipment's
/// invoice is issued in finance, so a healthy system shows none.) Fixed request ids make a
/// second `make run` add nothing, and each step is taken only if the order has not passed it
/// yet, so a run that stopped half way through seeding is finished by the next one.
extension DemoData {
  static func seedSales(portOffset: Int, secret: String) async throws {
    @Sendable func port(_ domain: ERPDomain) -> Int {
      ServiceCatalog.entry(domain).defaultPort + portOffset
    }
    try await RequestContext.$tenant.withValue(try TenantID(validating: DemoTenant.id)) {
      try await withServiceClient(port: port(.sales), secret: secret) { sales in
        try await withServiceClient(port: port(.customers), secret: secret) { customers in
          try await withServiceClient(port: port(.finance), secret: secret) { finance in
            try await Self.orders(sales: sales, customers: customers, finance: finance)
          }
        }
      }
    }
  }

  private static func orders(
    sales: GRPCClient<ERPTransport.Client>,
    customers: GRPCClient<ERPTransport.Client>,
    finance: GRPCClient<ERPTransport.Client>
  ) async throws {
    let pricing = Erp_Sales_V1_Pricing.Client(wrapping: sales)
    let orders = Erp_Sales_V1_Orders.Client(wrapping: sales)
    var list = Erp_Sales_V1_PriceList()
    list.code = "RETAIL"
    list.requestID = "demo-price-list-RETAIL"
    list.name = "أسعار التجزئة"
    list.currencyCode = "SAR"
    list.validFrom = Self.date(2026, 1, 1)
    list.entries =
      ([("DATES-1KG", 45_00), ("COFFEE-500G", 65_00), ("CUP-SET", 99_00)] as [(String, Int64)])
      .map { sku, price in
        var entry = Erp_Sales_V1_PriceListEntry()
        entry.sku = sku
        entry.unitPriceMinor = price
        return entry
      }
    do {
      _ = try await pricing.createPriceList(list)
    } catch let error as RPCError where error.code == .alreadyExists {}

    let directory = try await Erp_Customers_V1_Customers.Client(wrapping: customers).listCustomers(
      .init()
    )
    let ids = Dictionary(
      directory.customers.map { ($0.name, $0.id) },
      uniquingKeysWith: { a, _ in a }
    )
    let alnoor = ids["شركة النور للتجارة"] ?? directory.customers[0].id
    let gulf = ids["Gulf Logistics LLC"] ?? alnoor
    try await Self.creditTerms(Erp_Finance_V1_Billing.Client(wrapping: finance), alnoor, gulf)

    func create(
      _ key: String,
      _ customer: String,
      _ lines: [(String, Int64)],
      quotation: Bool = false
    )
      async throws -> String
    {
      var request = Erp_Sales_V1_CreateOrderRequest()
      request.requestID = "demo-\(key)"
      request.customerID = customer
      request.ownerID = "EMP-000002"
      request.currencyCode = "SAR"
      request.orderDate = Self.date(2026, 11, 24)
      request.warehouseCode = "RUH"
      request.priceListCode = "RETAIL"
      request.lines = lines.map { sku, quantity in
        var line = Erp_Sales_V1_OrderLine()
        line.sku = sku
        line.quantityMilli = quantity
        return line
      }
      return quotation
        ? try await orders.createQuotation(request).number
        : try await orders.createOrder(request).number
    }
    func ref(_ number: String) -> Erp_Sales_V1_OrderRef {
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = number
      return ref
    }
    // Only a draft is confirmed: an earlier run may have confirmed, shipped or cancelled it.
    func confirm(_ number: String) async throws {
      let order = try await orders.getOrder(ref(number))
      if order.status == .draft { _ = try await orders.confirmOrder(ref(number)) }
    }
    func ship(
      _ key: String,
      _ number: String,
      _ lines: [(Int32, Int64)] = []
    ) async throws
      -> Erp_Sales_V1_SalesOrder
    {
      var request = Erp_Sales_V1_ShipOrderRequest()
      request.requestID = "demo-\(key)"
      request.number = number
      request.carrier = "SMSA"
      request.lines = lines.map { line, quantity in
        var shipLine = Erp_Sales_V1_ShipLine()
        shipLine.lineNumber = line
        shipLine.quantityMilli = quantity
        return shipLine
      }
      return try await orders.shipOrder(request)
    }

    _ = try await create("quotation", gulf, [("CUP-SET", 2_000)], quotation: true)
    let quoted = try await create(
      "quotation-converted",
      alnoor,
      [("COFFEE-500G", 1_000)],
      quotation: true
    )
    _ = try await orders.convertQuotation(ref(quoted))
    let confirmed = try await create("confirmed", alnoor, [("DATES-1KG", 2_000)])
    try await confirm(confirmed)
    let partly = try await create("partly-shipped", gulf, [("DATES-1KG", 4_000)])
    try await confirm(partly)
    _ = try await ship("partly-shipped-1", partly, [(1, 2_000)])
    let invoiced = try await create("invoiced", alnoor, [("COFFEE-500G", 2_000)])
    try await confirm(invoiced)
    _ = try await ship("invoiced-1", invoiced)
    let paid = try await create("paid", gulf, [("CUP-SET", 1_000)])
    try await confirm(paid)
    let shipped = try await ship("paid-1", paid)
    let billing = Erp_Finance_V1_Billing.Client(wrapping: finance)
    for (index, number) in shipped.invoiceNumbers.enumerated() {
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = number
      let invoice = try await billing.getInvoice(get)
      var payment = Erp_Finance_V1_RecordPaymentRequest()
      payment.requestID = "demo-sales-payment-\(index + 1)"
      payment.direction = .receivable
      payment.partyID = gulf
      payment.amount = invoice.total
      payment.date = Self.date(2026, 11, 25)
      var allocation = Erp_Finance_V1_Allocation()
      allocation.invoiceNumber = number
      allocation.amount = invoice.total
      payment.allocations = [allocation]
      _ = try await billing.recordPayment(payment)
    }
    _ = try await orders.getOrder(ref(paid))
    let cancelled = try await create("cancelled", alnoor, [("CUP-SET", 1_000)])
    try await confirm(cancelled)
    _ = try await orders.cancelOrder(ref(cancelled))
  }

  /// Al Noor buys on 2/10 net 30 with a credit limit of 50,000.00 SAR (its orders here stay
  /// well under it); Gulf Logistics on net 30 after the end of the month, with no limit.
  /// Setting terms is a replacement, so a second run changes nothing.
  private static func creditTerms(
    _ billing: Erp_Finance_V1_Billing.Client<ERPTransport.Client>,
    _ alnoor: String,
    _ gulf: String
  ) async throws {
    var terms = Erp_Finance_V1_PartyTerms()
    terms.direction = .receivable
    terms.partyID = alnoor
    terms.termsCode = "2/10NET30"
    terms.creditLimit = Erp_Common_V1_Money(50_000_00, "SAR")
    _ = try await billing.setPartyTerms(terms)
    guard gulf != alnoor else { return }
    terms.partyID = gulf
    terms.termsCode = "NET30EOM"
    terms.clearCreditLimit()
    _ = try await billing.setPartyTerms(terms)
  }
}

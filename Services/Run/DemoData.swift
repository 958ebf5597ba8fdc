import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import GRPCCore

/// A little data for the demo tenant, sent through the services' own APIs, so that `make run`
/// shows something at once. Every call carries a fixed request id, so a second `make run` finds it
/// all there and adds nothing.
enum DemoData {
  static func seed(_ services: [ServiceEntry], portOffset: Int, secret: String) async throws {
    // A domain without demo data (the gateway, a new one) is skipped.
    let seeders: [ERPDomain: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> Void] = [
      .finance: Self.seedFinance, .customers: Self.seedCustomers,
      .supplychain: Self.seedSupplyChain, .hr: Self.seedHR,
    ]
    for service in services {
      if service.domain == .sales {
        try await Self.seedSales(portOffset: portOffset, secret: secret)
        continue
      }
      guard let domain = service.domain, let seeder = seeders[domain] else { continue }
      try await withServiceClient(port: service.defaultPort + portOffset, secret: secret) {
        client in
        try await RequestContext.$tenant.withValue(try TenantID(validating: DemoTenant.id)) {
          try await seeder(client)
        }
      }
    }
    // The bank last, once every domain has booked its receipts and payments.
    if let finance = services.first(where: { $0.domain == .finance }) {
      try await withServiceClient(port: finance.defaultPort + portOffset, secret: secret) {
        client in
        try await RequestContext.$tenant.withValue(try TenantID(validating: DemoTenant.id)) {
          try await Self.seedBanking(client)
        }
      }
    }
  }

  static func seedCustomers(_ client: GRPCClient<ERPTransport.Client>) async throws {
    let customers = Erp_Customers_V1_Customers.Client(wrapping: client)
    let people: [(String, Erp_Customers_V1_CustomerKind, [String], [String], [String])] = [
      (
        "شركة النور للتجارة", .organisation, ["info@alnoor.example"], ["011 234 5678"],
        ["wholesale"]
      ),
      ("أَحْمَد الشَّمْرِي", .individual, ["ahmed@example.com"], ["050 123 4567"], ["vip"]),
      ("Gulf Logistics LLC", .organisation, ["ops@gulflogistics.example"], ["+971 4 555 0000"], []),
      ("فاطمة الزهراء", .individual, [], ["055 765 4321"], ["retail"]),
    ]
    var ids: [String] = []
    for (index, person) in people.enumerated() {
      var request = Erp_Customers_V1_CreateCustomerRequest()
      request.requestID = "demo-customer-\(index + 1)"
      request.defaultCountryCallingCode = "966"
      request.customer.name = person.0
      request.customer.kind = person.1
      request.customer.emails = person.2
      request.customer.phones = person.3
      request.customer.tags = person.4
      request.customer.stage = .customer
      request.customer.address.countryCode = "SA"
      ids.append(try await customers.createCustomer(request).id)
    }

    let interactions = Erp_Customers_V1_Interactions.Client(wrapping: client)
    let notes: [(Erp_Customers_V1_InteractionKind, String, Int64)] = [
      (.call, "مكالمة تعريفية مع المدير المالي", 1_793_000_000),
      (.meeting, "Meeting: annual supply contract", 1_793_500_000),
      (.task, "إرسال عرض السعر", 1_794_000_000),
    ]
    for (index, note) in notes.enumerated() {
      var log = Erp_Customers_V1_LogInteractionRequest()
      log.requestID = "demo-interaction-\(index + 1)"
      log.interaction.customerID = ids[0]
      log.interaction.kind = note.0
      log.interaction.subject = note.1
      log.interaction.occurredAt.seconds = note.2
      log.interaction.ownerID = "emp-1"
      _ = try await interactions.logInteraction(log)
    }

    let pipeline = Erp_Customers_V1_Pipeline.Client(wrapping: client)
    let deals: [(String, Int, Int64, String)] = [
      ("عقد توريد سنوي", 0, 250_000_00, "proposal"), ("Logistics pilot", 2, 40_000_00, "qualified"),
    ]
    for (index, deal) in deals.enumerated() {
      var request = Erp_Customers_V1_CreateOpportunityRequest()
      request.requestID = "demo-opportunity-\(index + 1)"
      request.opportunity.customerID = ids[deal.1]
      request.opportunity.name = deal.0
      request.opportunity.amount.currencyCode = "SAR"
      request.opportunity.amount.unitsMinor = deal.2
      request.opportunity.expectedClose = Self.date(2027, 1, 31)
      request.opportunity.ownerID = "emp-1"
      request.opportunity.stage = deal.3
      _ = try await pipeline.createOpportunity(request)
    }
  }

  static func seedFinance(_ client: GRPCClient<ERPTransport.Client>) async throws {
    let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
    let billing = Erp_Finance_V1_Billing.Client(wrapping: client)
    try await Self.seedSeller(billing)
    var base = Erp_Finance_V1_SetBaseCurrencyRequest()
    base.currencyCode = "SAR"
    if try await ledger.getSettings(.init()).baseCurrency != "SAR" {
      _ = try await ledger.setBaseCurrency(base)
    }

    var capital = Erp_Finance_V1_PostEntryRequest()
    capital.requestID = "demo-capital"
    capital.date = Self.date(2026, 1, 1)
    capital.memo = "رأس المال"
    capital.lines = [Self.line("1100", debit: 500_000_00), Self.line("3100", credit: 500_000_00)]
    _ = try await ledger.postEntry(capital)

    var invoice = Erp_Finance_V1_IssueInvoiceRequest()
    invoice.requestID = "demo-invoice-1"
    invoice.direction = .receivable
    invoice.partyID = "demo-customer-1"
    invoice.partyName = "شركة النور للتجارة"
    invoice.currencyCode = "SAR"
    invoice.issueDate = Self.date(2026, 11, 1)
    invoice.dueDate = Self.date(2026, 12, 1)
    var service = Erp_Finance_V1_InvoiceLine()
    service.description_p = "خدمات استشارية"
    service.quantityMilli = 10_000
    service.unitPriceMinor = 750_00
    service.taxCode = "STD"
    invoice.lines = [service]
    let issued = try await billing.issueInvoice(invoice)

    var payment = Erp_Finance_V1_RecordPaymentRequest()
    payment.requestID = "demo-payment-1"
    payment.direction = .receivable
    payment.partyID = "demo-customer-1"
    payment.amount.currencyCode = "SAR"
    payment.amount.unitsMinor = 4_000_00
    payment.date = Self.date(2026, 11, 15)
    var allocation = Erp_Finance_V1_Allocation()
    allocation.invoiceNumber = issued.number
    allocation.amount = payment.amount
    payment.allocations = [allocation]
    _ = try await billing.recordPayment(payment)
    try await Self.seedForeignCurrency(ledger, billing)
  }

  static func date(_ year: Int32, _ month: Int32, _ day: Int32) -> Erp_Common_V1_Date {
    var date = Erp_Common_V1_Date()
    date.year = year
    date.month = month
    date.day = day
    return date
  }

  static func line(
    _ account: String,
    debit: Int64 = 0,
    credit: Int64 = 0
  ) -> Erp_Finance_V1_EntryLine {
    Erp_Finance_V1_EntryLine(account: account, debit: debit, credit: credit, currency: "SAR")
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import GRPCCore
import Testing

@Suite("Gateway: customer 360 and the tenant dashboard")
struct ViewsTests {
  @Test("With one service stopped, Customer360 answers within its deadline, that section marked")
  func customer360WithAServiceDown() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwv")
      let key = try await gateway.key(
        tenant,
        scopes: ["customers:write", "finance:write", "sales:read", "supplychain:read"]
      ).secret
      let customer = try await gateway.createCustomer(key, "شركة الأفق")
      let ledger = Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await ledger.setBaseCurrency(base, metadata: GatewayHarness.partner(key))
      var invoice = Erp_Finance_V1_IssueInvoiceRequest()
      invoice.requestID = "inv-1"
      invoice.direction = .receivable
      invoice.partyID = customer.id
      invoice.partyName = customer.name
      invoice.currencyCode = "SAR"
      invoice.issueDate = CalendarDate.today().proto
      var line = Erp_Finance_V1_InvoiceLine()
      line.description_p = "خدمة"
      line.quantityMilli = 1_000
      line.unitPriceMinor = 200_00
      line.taxCode = "STD"
      invoice.lines = [line]
      let issued = try await Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
        .issueInvoice(invoice, metadata: GatewayHarness.partner(key))

      await gateway.servers["sales"]!.stop()
      var request = Erp_Gateway_V1_Customer360Request()
      request.customerID = customer.id
      var options = CallOptions.defaults
      options.timeout = .seconds(3)
      let view = try await Erp_Gateway_V1_Views.Client(wrapping: gateway.client)
        .customer360(request, metadata: GatewayHarness.partner(key), options: options)
      #expect(view.profile.name == "شركة الأفق")
      #expect(view.openInvoices.map(\.number) == [issued.number])
      #expect(view.balance.unitsMinor == 230_00)
      let status = Dictionary(uniqueKeysWithValues: view.sections.map { ($0.section, $0) })
      #expect(status["profile"]?.available == true)
      #expect(status["open_invoices"]?.available == true)
      #expect(status["recent_orders"]?.available == false)
      #expect(status["recent_shipments"]?.available == false)

      let dashboard = try await Erp_Gateway_V1_Views.Client(wrapping: gateway.client)
        .tenantDashboard(.init(), metadata: GatewayHarness.partner(key), options: options)
      let sections = Dictionary(uniqueKeysWithValues: dashboard.sections.map { ($0.section, $0) })
      #expect(dashboard.receivablesOutstanding.unitsMinor == 230_00)
      #expect(sections["receivables"]?.available == true)
      #expect(sections["headcount"]?.code == "permission_denied")
      #expect(sections["revenue"]?.available == false)
    }
  }
}

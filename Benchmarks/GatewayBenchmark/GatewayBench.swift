import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import Foundation
import GRPCCore

/// The gateway's two overheads, each against a reference measured in the same run:
/// - Customer360 through the gateway against the slowest single call it makes, made directly
///   to its service (target ≤ 1.3): the sections run concurrently, so the view should cost
///   about its slowest part;
/// - a forwarded call (GetCustomer with a partner key) against the same call made directly to
///   the customers service (target ≤ 1.5): key check, rate limit, audit, one more hop.
/// The C partner client's p50 for the forwarded call is printed beside the Swift client's.
/// Latencies are p50 of sequential calls; the last line is the Customer360 ratio.
enum GatewayBench {
  static func run(_ server: BenchServer, calls: Int) async throws -> Double {
    // A staff session as fast as a key (SessionBench): the per-user bucket out of the way.
    let sessions = ["ERP_SESSION_RATE": "1000000", "ERP_SESSION_BURST": "1000000"]
    return try await ServiceStack.run(server, connections: 8, variables: sessions) { stack in
      let port = stack.ports["gateway"]!
      let (key, customer) = try await Self.setUp(stack, gatewayPort: port)
      let ratio = try await Self.measure(
        stack,
        gatewayPort: port,
        key: key,
        customer: customer,
        calls: calls
      )
      say("== gateway: staff sign-in, and a forwarded call with a session token vs an API key")
      try await SessionBench.run(
        stack,
        gatewayPort: port,
        key: key,
        customer: customer,
        calls: calls
      )
      return ratio
    }
  }

  /// The tenant registered with the gateway, a partner key, and a customer with some of
  /// everything: a contact, interactions, an opportunity, an invoice.
  static func setUp(
    _ stack: ServiceStack,
    gatewayPort: Int
  ) async throws -> (String, String) {
    let key = try await GatewayConnection.with(
      address: "127.0.0.1:\(gatewayPort)",
      operatorToken: ServiceStack.operatorToken
    ) { erp in
      var create = Erp_Gateway_V1_CreateTenantRequest()
      create.tenantID = stack.tenant.slug
      _ = try await erp.tenants.createTenant(create)
      var issue = Erp_Gateway_V1_IssueKeyRequest()
      issue.tenantID = stack.tenant.slug
      issue.name = "bench"
      issue.scopes = ["customers:write", "finance:write", "sales:read", "supplychain:read"]
      issue.ratePerSecond = 100_000
      issue.burst = 100_000
      return try await erp.apiKeys.issueKey(issue).secret
    }
    let customer = try await RequestContext.$tenant.withValue(stack.tenant) {
      try await withServiceClient(port: stack.ports["customers"]!, secret: ServiceStack.secret) {
        client in
        var create = Erp_Customers_V1_CreateCustomerRequest()
        create.requestID = "bench-360"
        create.customer.kind = .organisation
        create.customer.name = "شركة القياس"
        let customer = try await Erp_Customers_V1_Customers.Client(wrapping: client).createCustomer(
          create
        )
        var contact = Erp_Customers_V1_AddContactRequest()
        contact.requestID = "bench-contact"
        contact.contact.customerID = customer.id
        contact.contact.name = "سعاد"
        _ = try await Erp_Customers_V1_Interactions.Client(wrapping: client).addContact(contact)
        for index in 0..<5 {
          var log = Erp_Customers_V1_LogInteractionRequest()
          log.requestID = "bench-log-\(index)"
          log.interaction.customerID = customer.id
          log.interaction.kind = .call
          log.interaction.subject = "مكالمة \(index)"
          log.interaction.occurredAt.seconds = 1_790_000_000 + Int64(index) * 3600
          _ = try await Erp_Customers_V1_Interactions.Client(wrapping: client).logInteraction(log)
        }
        return customer.id
      }
    }
    try await RequestContext.$tenant.withValue(stack.tenant) {
      try await withServiceClient(port: stack.ports["finance"]!, secret: ServiceStack.secret) {
        client in
        var base = Erp_Finance_V1_SetBaseCurrencyRequest()
        base.currencyCode = "SAR"
        _ = try await Erp_Finance_V1_Ledger.Client(wrapping: client).setBaseCurrency(base)
        var invoice = Erp_Finance_V1_IssueInvoiceRequest()
        invoice.requestID = "bench-invoice"
        invoice.direction = .receivable
        invoice.partyID = customer
        invoice.partyName = "شركة القياس"
        invoice.currencyCode = "SAR"
        invoice.issueDate.year = 2026
        invoice.issueDate.month = 11
        invoice.issueDate.day = 1
        var line = Erp_Finance_V1_InvoiceLine()
        line.description_p = "خدمة"
        line.quantityMilli = 1_000
        line.unitPriceMinor = 500_00
        line.taxCode = "STD"
        invoice.lines = [line]
        _ = try await Erp_Finance_V1_Billing.Client(wrapping: client).issueInvoice(invoice)
      }
    }
    return (key, customer)
  }

  private static func measure(
    _ stack: ServiceStack,
    gatewayPort: Int,
    key: String,
    customer: String,
    calls: Int
  ) async throws -> Double {
    let (view, forwarded) = try await GatewayConnection.with(
      address: "127.0.0.1:\(gatewayPort)",
      apiKey: key
    ) { erp in
      var request = Erp_Gateway_V1_Customer360Request()
      request.customerID = customer
      let views = erp.views
      let sample = try await views.customer360(request)
      guard sample.sections.allSatisfy(\.available), sample.profile.name == "شركة القياس" else {
        throw BenchError(description: "customer 360 incomplete: \(sample.sections)")
      }
      let view = try await Self.p50(calls) { [request] in _ = try await views.customer360(request) }
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = customer
      let customers = erp.customers
      let forwarded = try await Self.p50(calls) { [get] in _ = try await customers.getCustomer(get)
      }
      return (view, forwarded)
    }
    let cClient = try await CClientLatency.p50(
      gatewayPort: gatewayPort,
      key: key,
      customer: customer,
      calls: calls
    )
    let direct = try await RequestContext.$tenant.withValue(stack.tenant) {
      try await Self.direct(stack, customer: customer, calls: calls)
    }
    let slowest = direct.max { $0.value < $1.value }!
    say(
      "direct calls, p50 ms: "
        + direct.sorted { $0.key < $1.key }.map { "\($0.key) \(Measure.format($0.value))" }.joined(
          separator: ", "
        )
    )
    say(
      "Customer360 through the gateway: p50 \(Measure.format(view)) ms; slowest single call (\(slowest.key)) \(Measure.format(slowest.value)) ms"
    )
    say(
      "forwarded GetCustomer: p50 \(Measure.format(forwarded)) ms; direct \(Measure.format(direct["GetCustomer"]!)) ms"
    )
    say(
      "ratio forwarded / direct: \(Measure.format(forwarded / direct["GetCustomer"]!)) (target ≤ 1.5)"
    )
    say(
      "forwarded GetCustomer from the C client (Clients/C): p50 \(Measure.format(cClient)) ms; ratio C / Swift client \(Measure.format(cClient / forwarded))"
    )
    let ratio = view / slowest.value
    say("ratio Customer360 / slowest single call: \(Measure.format(ratio)) (target ≤ 1.3)")
    return ratio
  }

  /// Each call the view makes, made directly to its service (with the services' secret).
  private static func direct(
    _ stack: ServiceStack,
    customer: String,
    calls: Int
  ) async throws -> [String: Double] {
    var results: [String: Double] = [:]
    results.merge(
      try await withServiceClient(port: stack.ports["customers"]!, secret: ServiceStack.secret) {
        client in
        var get = Erp_Customers_V1_GetCustomerRequest()
        get.id = customer
        var results: [String: Double] = [:]
        results["GetCustomer"] = try await Self.p50(calls) { [get] in
          _ = try await Erp_Customers_V1_Customers.Client(wrapping: client).getCustomer(get)
        }
        var contacts = Erp_Customers_V1_ListContactsRequest()
        contacts.customerID = customer
        results["ListContacts"] = try await Self.p50(calls) { [contacts] in
          _ = try await Erp_Customers_V1_Interactions.Client(wrapping: client).listContacts(
            contacts
          )
        }
        var timeline = Erp_Customers_V1_TimelineRequest()
        timeline.customerID = customer
        timeline.page.pageSize = 10
        results["Timeline"] = try await Self.p50(calls) { [timeline] in
          _ = try await Erp_Customers_V1_Interactions.Client(wrapping: client).timeline(timeline)
        }
        var opportunities = Erp_Customers_V1_ListOpportunitiesRequest()
        opportunities.customerID = customer
        opportunities.openOnly = true
        results["ListOpportunities"] = try await Self.p50(calls) { [opportunities] in
          _ = try await Erp_Customers_V1_Pipeline.Client(wrapping: client).listOpportunities(
            opportunities
          )
        }
        return results
      }
    ) { $1 }
    results.merge(
      try await withServiceClient(port: stack.ports["finance"]!, secret: ServiceStack.secret) {
        client in
        var invoices = Erp_Finance_V1_ListInvoicesRequest()
        invoices.direction = .receivable
        invoices.partyID = customer
        invoices.openOnly = true
        let invoiceTime = try await Self.p50(calls) { [invoices] in
          _ = try await Erp_Finance_V1_Billing.Client(wrapping: client).listInvoices(invoices)
        }
        return ["ListInvoices": invoiceTime]
      }
    ) { $1 }
    results.merge(
      try await withServiceClient(port: stack.ports["sales"]!, secret: ServiceStack.secret) {
        client in
        var orders = Erp_Sales_V1_ListOrdersRequest()
        orders.customerID = customer
        orders.limit = 5
        let orderTime = try await Self.p50(calls) { [orders] in
          _ = try await Erp_Sales_V1_Orders.Client(wrapping: client).listOrders(orders)
        }
        return ["ListOrders": orderTime]
      }
    ) { $1 }
    return results
  }

  /// p50 in milliseconds of `calls` sequential calls, after 20 to warm up.
  private static func p50(
    _ calls: Int,
    _ body: @Sendable () async throws -> Void
  ) async throws -> Double {
    for _ in 0..<20 { try await body() }
    var samples: [Double] = []
    for _ in 0..<calls {
      let start = ContinuousClock.now
      try await body()
      samples.append(Measure.seconds(start.duration(to: .now)))
    }
    return Measure.percentile(samples, 0.5) / 1000
  }
}

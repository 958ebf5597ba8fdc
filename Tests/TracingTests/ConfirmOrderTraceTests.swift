import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore
import Logging
import Testing

/// The whole system in this process (``InProcessSystem``), each service with a tracer of its
/// own exporting over OTLP/HTTP to a real receiver in the test, and one ConfirmOrder made by a
/// partner through the gateway.
@Suite("Tracing: one trace per ConfirmOrder across the services, exported over OTLP/HTTP")
struct ConfirmOrderTraceTests {
  typealias Client = GRPCClient<ERPTransport.Client>

  static let operatorToken = "operator-token-for-tracing-tests"
  /// A partner's own trace, which the gateway links to rather than continues.
  static let partnerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
  static let partnerParent = "00f067aa0ba902b7"

  @Test("gateway, sales, supply chain, finance (via the outbox) in one trace, as their logs say")
  func confirmOrderTrace() async throws {
    let lines = LogLines()
    try await OTLPReceiver.run { receiver in
      var options = InProcessSystem.Options { entry in
        try await TestDatabase.isolatedConninfo("tr_\(entry.name)")
      }
      options.variables["ERP_OPERATOR_TOKEN"] = Self.operatorToken
      options.variables["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
      options.variables["OTEL_BSP_SCHEDULE_DELAY"] = "50"
      options.poolSize = 6
      // Every service logs JSON into `lines` (ERP_LOG_FORMAT=json's handler and metadata), at
      // debug so each call's `rpc` line is written.
      options.logger = Logger(label: "erp-system") {
        JSONLogHandler(label: $0, metadataProvider: .erpService, write: lines.append)
      }
      options.logger.logLevel = .debug
      try await InProcessSystem.run(options) { system in
        try await Self.withPartnerClient(port: system["gateway"]!.port) { client in
          try await Self.check(client, receiver, lines)
        }
      }
    }
  }

  private static func check(
    _ client: Client,
    _ receiver: OTLPReceiver,
    _ lines: LogLines
  ) async throws {
    let (tenant, key) = try await Self.tenantAndKey(client)
    let partner: Metadata = ["x-erp-api-key": .string(key)]
    let customerName = "مؤسسة الريادة"
    try await Self.seed(client, partner, customerName: customerName)
    let customerID = try await Erp_Customers_V1_Customers.Client(wrapping: client)
      .listCustomers(.init(), metadata: partner).customers[0].id
    var order = Erp_Sales_V1_CreateOrderRequest()
    order.requestID = "order-trace-1"
    order.customerID = customerID
    order.ownerID = "EMP-000001"
    order.currencyCode = "SAR"
    order.warehouseCode = "MAIN"
    var line = Erp_Sales_V1_OrderLine()
    line.sku = "TEA-1"
    line.quantityMilli = 2_000
    line.unitPriceMinor = 30_00
    order.lines = [line]
    let orders = Erp_Sales_V1_Orders.Client(wrapping: client)
    let draft = try await orders.createOrder(order, metadata: partner)
    var ref = Erp_Sales_V1_OrderRef()
    ref.number = draft.number
    var traced = partner
    traced.addString("00-\(Self.partnerTrace)-\(Self.partnerParent)-01", forKey: "traceparent")
    let confirmed = try await orders.confirmOrder(ref, metadata: traced)
    #expect(confirmed.status == .confirmed)
    // A call that fails: its spans carry the error status.
    var missing = Erp_Sales_V1_OrderRef()
    missing.number = "SO-999999"
    let failure = await #expect(throws: RPCError.self) {
      _ = try await orders.getOrder(missing, metadata: partner)
    }
    let failedCode = try #require(failure?.code)

    // The gateway's server span of the ConfirmOrder is the root of its trace.
    let confirm = "erp.sales.v1.Orders/ConfirmOrder"
    let isRoot: @Sendable (ReceivedSpan) -> Bool = {
      $0.service == "erp-gateway" && $0.name == confirm && $0.kind == .server
    }
    try await eventually("the gateway's ConfirmOrder span arrives") {
      receiver.received.contains(where: isRoot)
    }
    let root = receiver.received.first(where: isRoot)!
    let trace = root.traceID
    let services: Set = ["erp-gateway", "erp-sales", "erp-supplychain", "erp-finance"]
    // Each service exports in batches of its own: wait until the tree is whole.
    try await eventually("spans of every service of the confirmation arrive, parents included") {
      let spans = receiver.received.filter { $0.traceID == trace }
      let ids = Set(spans.map(\.spanID))
      return services.isSubset(of: Set(spans.map(\.service)))
        && spans.contains { $0.service == "erp-finance" && $0.kind == .server }
        && spans.allSatisfy { $0.parentSpanID.isEmpty || ids.contains($0.parentSpanID) }
    }
    let spans = receiver.received.filter { $0.traceID == trace }
    let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { a, _ in a })

    // One trace: the partner's trace id is linked, not continued.
    #expect(root.parentSpanID.isEmpty)
    #expect(root.kind == .server)
    #expect(trace != Self.partnerTrace)
    #expect(root.links.map(\.traceID) == [Self.partnerTrace])
    #expect(root.attributes["rpc.system"] == "erpt")
    #expect(root.attributes["rpc.service"] == "erp.sales.v1.Orders")
    #expect(root.attributes["rpc.method"] == "ConfirmOrder")
    #expect(root.attributes["rpc.grpc.status_code"] == "0")

    // Every other span's parent is in the trace: the tree is whole.
    let orphans = spans.filter { $0.spanID != root.spanID && byID[$0.parentSpanID] == nil }
    #expect(orphans.isEmpty, "spans whose parent is not in the trace: \(orphans)")

    // Sales serves what the gateway forwarded: its server span is the gateway's client span's
    // child.
    let salesServer = spans.first { $0.service == "erp-sales" && $0.name == confirm }
    #expect(salesServer?.kind == .server)
    let forwarded = salesServer.flatMap { byID[$0.parentSpanID] }
    #expect(forwarded?.service == "erp-gateway")
    #expect(forwarded?.kind == .client)
    #expect(forwarded?.parentSpanID == root.spanID)

    // Supply chain's reservation: under a sales client span, inside the saga's reserve step.
    let reserve = spans.first {
      $0.service == "erp-supplychain" && $0.name == "erp.supplychain.v1.Stock/Reserve"
    }
    let reserveCall = reserve.flatMap { byID[$0.parentSpanID] }
    #expect(reserveCall?.service == "erp-sales")
    #expect(reserveCall?.kind == .client)
    #expect(reserveCall.flatMap { byID[$0.parentSpanID] }?.name == "confirm_order.reserve_stock")
    for step in ["check_customer", "start", "reserve_stock", "finish", "deliver_outbox"] {
      #expect(spans.contains { $0.name == "confirm_order.\(step)" }, "saga step \(step)")
    }

    // The credit check asks finance inside the saga's start step (``CreditCheck``), within the
    // step's transaction (it holds the customer's credit lock).
    let exposure = spans.first {
      $0.service == "erp-finance" && $0.name == "erp.finance.v1.Billing/GetCreditExposure"
    }
    let exposureCall = exposure.flatMap { byID[$0.parentSpanID] }
    #expect(exposureCall?.service == "erp-sales")
    let exposureTransaction = exposureCall.flatMap { byID[$0.parentSpanID] }
    #expect(exposureTransaction?.name == "TRANSACTION")
    #expect(exposureTransaction.flatMap { byID[$0.parentSpanID] }?.name == "confirm_order.start")

    // Finance through the outbox: its server span descends from a delivery span that links to
    // the span that wrote the message (the saga's last step).
    let financeServer = spans.first {
      $0.service == "erp-finance" && $0.kind == .server
        && $0.name == "erp.finance.v1.Billing/IssueInvoice"
    }!
    var ancestor = byID[financeServer.parentSpanID]
    while let span = ancestor, !span.name.hasPrefix("outbox.deliver") {
      ancestor = byID[span.parentSpanID]
    }
    let delivery = try #require(ancestor, "no outbox delivery above \(financeServer)")
    #expect(delivery.service == "erp-sales")
    #expect(delivery.kind == .producer)
    #expect(delivery.attributes["erp.tenant"] == tenant)
    #expect(delivery.attributes["erp.outbox.attempt"] == "1")
    // The writer: the transaction of the saga's last step.
    let writer = delivery.links.first.flatMap { byID[$0.spanID] }
    #expect(delivery.links.first?.traceID == trace)
    #expect(writer?.name == "TRANSACTION")
    #expect(writer.flatMap { byID[$0.parentSpanID] }?.name == "confirm_order.finish")

    // SQL: statements without values, each service's tenant work carrying the tenant.
    let sql = spans.filter { $0.attributes["db.system"] == "postgresql" }
    #expect(
      Set(sql.map(\.service)).isSuperset(of: ["erp-sales", "erp-supplychain", "erp-finance"])
    )
    let values = [
      tenant, draft.number, customerID, customerName, "TEA-1", "order-trace-1", "EMP-000001",
    ]
    for span in sql {
      let statement = span.attributes["db.statement"] ?? ""
      #expect(!statement.isEmpty)
      for value in values {
        #expect(!statement.contains(value), "\(span.name) in \(span.service) holds \(value)")
      }
    }
    let tenantSQL = sql.filter { $0.service != "erp-gateway" }
    #expect(!tenantSQL.isEmpty)
    #expect(tenantSQL.allSatisfy { $0.attributes["erp.tenant"] == tenant })

    // A transaction is one span: BEGIN, entering the tenant and COMMIT are not spans of their
    // own, the statements inside it are its children.
    #expect(!sql.contains { ["BEGIN", "COMMIT", "ROLLBACK"].contains($0.name) })
    let transactions = sql.filter { $0.name == "TRANSACTION" }
    #expect(!transactions.isEmpty)
    #expect(sql.contains { byID[$0.parentSpanID]?.name == "TRANSACTION" })

    // JSON logs: every line parses; each service's `rpc` line of its part of the confirmation
    // carries the trace id the receiver got, and the span id of that service's server span.
    let logs = try lines.objects()
    for (service, method) in [
      ("gateway", confirm), ("sales", confirm),
      ("supplychain", "erp.supplychain.v1.Stock/Reserve"),
    ] {
      let rpc = logs.first {
        $0["service"] as? String == service && $0["message"] as? String == "rpc"
          && ($0["metadata"] as? [String: Any])?["method"] as? String == method
          && $0["trace_id"] as? String == trace
      }
      let server = spans.first {
        $0.service == "erp-\(service)" && $0.name == method && $0.kind == .server
      }
      #expect(rpc != nil, "no JSON rpc line of \(service)'s \(method) in trace \(trace)")
      #expect(rpc?["span_id"] as? String == server?.spanID)
      if service != "gateway" { #expect(rpc?["tenant"] as? String == tenant) }
    }
    // Finance logged its part too, under the same trace.
    #expect(
      logs.contains { $0["service"] as? String == "finance" && $0["trace_id"] as? String == trace }
    )
    // Lines outside any traced call carry no trace id.
    #expect(logs.contains { $0["message"] as? String == "RPC listening" && $0["trace_id"] == nil })

    // The failed call: its status code and ERROR, at the gateway and in sales.
    let get = "erp.sales.v1.Orders/GetOrder"
    try await eventually("the failed GetOrder's spans arrive") {
      receiver.received.filter { $0.name == get && $0.kind == .server }.count == 2
    }
    for span in receiver.received where span.name == get && span.kind == .server {
      #expect(span.failed, "\(span.service)'s GetOrder span is not failed")
      #expect(span.attributes["rpc.grpc.status_code"] == String(failedCode.rawValue))
      #expect(!span.statusMessage.isEmpty)
    }
  }

  /// A tenant provisioned through the gateway and a partner key for it.
  private static func tenantAndKey(_ client: Client) async throws -> (String, String) {
    let operatorCall: Metadata = ["x-erp-operator-token": .string(Self.operatorToken)]
    var create = Erp_Gateway_V1_CreateTenantRequest()
    create.tenantID = TestDatabase.uniqueTenant("trc").slug
    create.displayName = "شركة التتبع"
    let tenant = try await Erp_Gateway_V1_Tenants.Client(wrapping: client)
      .createTenant(create, metadata: operatorCall).tenantID
    var issue = Erp_Gateway_V1_IssueKeyRequest()
    issue.tenantID = tenant
    issue.name = "partner"
    issue.scopes = ["customers", "sales", "supplychain", "finance"].flatMap {
      ["\($0):read", "\($0):write"]
    }
    let key = try await Erp_Gateway_V1_ApiKeys.Client(wrapping: client)
      .issueKey(issue, metadata: operatorCall).secret
    return (tenant, key)
  }

  /// Books in SAR, a warehouse with tea in stock, a customer, invoices on confirmation (so the
  /// confirmation's outbox reaches finance).
  private static func seed(
    _ client: Client,
    _ partner: Metadata,
    customerName: String
  )
    async throws
  {
    var base = Erp_Finance_V1_SetBaseCurrencyRequest()
    base.currencyCode = "SAR"
    _ = try await Erp_Finance_V1_Ledger.Client(wrapping: client)
      .setBaseCurrency(base, metadata: partner)
    let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: client)
    var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
    warehouse.requestID = "warehouse-MAIN"
    warehouse.warehouse.code = "MAIN"
    warehouse.warehouse.name = "المستودع الرئيسي"
    _ = try await catalog.createWarehouse(warehouse, metadata: partner)
    var item = Erp_Supplychain_V1_CreateItemRequest()
    item.requestID = "item-TEA-1"
    item.item.sku = "TEA-1"
    item.item.name = "شاي"
    _ = try await catalog.createItem(item, metadata: partner)
    var count = Erp_Supplychain_V1_AdjustStockRequest()
    count.requestID = "count-TEA-1"
    count.sku = "TEA-1"
    count.warehouseCode = "MAIN"
    count.quantityMilli = 10_000
    count.unitCost = Erp_Common_V1_Money(20_00, "SAR")
    count.reason = "opening"
    _ = try await Erp_Supplychain_V1_Stock.Client(wrapping: client).adjust(count, metadata: partner)
    var customer = Erp_Customers_V1_CreateCustomerRequest()
    customer.requestID = "customer-1"
    customer.customer.kind = .organisation
    customer.customer.name = customerName
    customer.customer.stage = .customer
    _ = try await Erp_Customers_V1_Customers.Client(wrapping: client)
      .createCustomer(customer, metadata: partner)
    var settings = Erp_Sales_V1_SalesSettings()
    settings.invoiceOn = .confirmation
    settings.paymentTermsDays = 30
    _ = try await Erp_Sales_V1_Pricing.Client(wrapping: client)
      .updateSettings(settings, metadata: partner)
  }

  /// A partner's client of the gateway: no services' secret, no tracing of its own.
  private static func withPartnerClient<T: Sendable>(
    port: Int,
    _ body: @Sendable (Client) async throws -> T
  ) async throws -> T {
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)])
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      return try await body(client)
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

typealias Client = GRPCClient<ERPTransport.Client>

/// Every service an order touches on production's runners (``InProcessSystem``: the services'
/// authentication, field limits, outbox relays and the sales order recovery), each over TCP on
/// its own database: finance, customers, the supply chain (calling finance) and sales (calling
/// all three). A tenant is provisioned in all four, its books in SAR, with a warehouse MAIN, a
/// customer and two items in stock.
struct SalesStack: Sendable {
  let tenant: TenantID
  let system: InProcessSystem
  let sales: Client
  let finance: Client
  let customers: Client
  let supplychain: Client
  let customerID: String

  /// The sales database, to look at what the service persisted.
  var salesPool: ConnectionPool { self.system["sales"]!.pool }
  /// The services by catalog name, for a test that stops one and starts it again.
  var servers: [String: SystemMember] {
    Dictionary(uniqueKeysWithValues: self.system.members.map { ($0.entry.name, $0) })
  }
  /// Sales' metrics (what its `/metrics` serves).
  var metrics: ServiceMetrics? { self.system["sales"]!.metrics }
  /// The running sales service's outbox relay.
  var relay: OutboxRelay { self.system["sales"]!.worker(OutboxRelay.self)! }

  var orders: Erp_Sales_V1_Orders.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var pricing: Erp_Sales_V1_Pricing.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var reports: Erp_Sales_V1_SalesReports.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var stock: Erp_Supplychain_V1_Stock.Client<ERPTransport.Client> {
    .init(wrapping: self.supplychain)
  }
  var billing: Erp_Finance_V1_Billing.Client<ERPTransport.Client> { .init(wrapping: self.finance) }
  var ledger: Erp_Finance_V1_Ledger.Client<ERPTransport.Client> { .init(wrapping: self.finance) }

  /// Sales and the services it calls, from the catalog.
  static let services = ([ERPDomain.sales] + ServiceCatalog.placement(of: .sales).calls)
    .map(\.rawValue)

  /// The four services running, a fresh tenant provisioned in each; a test that replaces a
  /// member by its executable (``SystemMember/processEnvironment(opsPort:)``) starts here.
  static func system<T: Sendable>(
    _ body: @Sendable (InProcessSystem, TenantID) async throws -> T
  ) async throws -> T {
    try await TestDatabase.withOwnDatabases("so") { databases in
      var options = InProcessSystem.Options(services: Set(Self.services)) { entry in
        try await TestDatabase.isolatedConninfo("\(databases)_\(entry.name)")
      }
      options.poolSize = 8
      return try await InProcessSystem.run(options) { system in
        let tenant = TestDatabase.uniqueTenant("so")
        try await system.provision(tenant)
        return try await body(system, tenant)
      }
    }
  }

  /// The whole stack, the sales settings invoicing on `invoiceOn`.
  static func run<T: Sendable>(
    invoiceOn: Erp_Sales_V1_InvoiceOn = .shipment,
    _ body: @Sendable (SalesStack) async throws -> T
  ) async throws -> T {
    try await Self.system { system, tenant in
      try await Self.clients(system, tenant) { stack in
        var settings = Erp_Sales_V1_SalesSettings()
        settings.invoiceOn = invoiceOn
        settings.paymentTermsDays = 30
        _ = try await stack.pricing.updateSettings(settings)
        return try await body(stack)
      }
    }
  }

  /// Clients to every service with the tenant bound and its data set up (they reach each
  /// member's port, whether the member or its executable serves it).
  /// `seeded`: the peers already hold the tenant's data (a second connection to the same stack).
  static func clients<T: Sendable>(
    _ system: InProcessSystem,
    _ tenant: TenantID,
    seeded: Bool = false,
    _ body: @Sendable (SalesStack) async throws -> T
  ) async throws -> T {
    try await system.withClients(Self.services, tenant: tenant) { clients in
      let (finance, customers, supplychain) = (
        clients["finance"]!, clients["customers"]!, clients["supplychain"]!
      )
      let customerID =
        seeded
        ? try await Self.customerID(customers)
        : try await Self.seed(finance: finance, customers: customers, supplychain: supplychain)
      return try await body(
        SalesStack(
          tenant: tenant,
          system: system,
          sales: clients["sales"]!,
          finance: finance,
          customers: customers,
          supplychain: supplychain,
          customerID: customerID
        )
      )
    }
  }

  /// Books in SAR; warehouse MAIN with 10 of TEA-1 at 20.00 and 4 of CUP-1 at 5.00; a
  /// customer. Returns the customer's id.
  static func seed(finance: Client, customers: Client, supplychain: Client) async throws -> String {
    var base = Erp_Finance_V1_SetBaseCurrencyRequest()
    base.currencyCode = "SAR"
    _ = try await Erp_Finance_V1_Ledger.Client(wrapping: finance).setBaseCurrency(base)
    let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: supplychain)
    var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
    warehouse.warehouse.code = "MAIN"
    warehouse.requestID = "warehouse-MAIN"
    warehouse.warehouse.name = "المستودع الرئيسي"
    _ = try await catalog.createWarehouse(warehouse)
    for (sku, name, quantity, cost) in [
      ("TEA-1", "شاي", 10_000, 20_00), ("CUP-1", "كوب", 4_000, 5_00),
    ]
      as [(String, String, Int64, Int64)]
    {
      var item = Erp_Supplychain_V1_CreateItemRequest()
      item.requestID = "item-\(sku)"
      item.item.sku = sku
      item.item.name = name
      _ = try await catalog.createItem(item)
      var count = Erp_Supplychain_V1_AdjustStockRequest()
      count.requestID = "count-\(sku)"
      count.sku = sku
      count.warehouseCode = "MAIN"
      count.quantityMilli = quantity
      count.unitCost = Erp_Common_V1_Money(cost, "SAR")
      count.reason = "opening"
      _ = try await Erp_Supplychain_V1_Stock.Client(wrapping: supplychain).adjust(count)
    }
    var customer = Erp_Customers_V1_CreateCustomerRequest()
    customer.requestID = "customer-1"
    customer.customer.kind = .organisation
    customer.customer.name = "مؤسسة الريادة"
    customer.customer.stage = .customer
    return try await Erp_Customers_V1_Customers.Client(wrapping: customers).createCustomer(customer)
      .id
  }

  /// The customer `seed` created.
  static func customerID(_ customers: Client) async throws -> String {
    var search = Erp_Customers_V1_ListCustomersRequest()
    search.includeArchived = false
    return try await Erp_Customers_V1_Customers.Client(wrapping: customers).listCustomers(search)
      .customers[0].id
  }

  /// An order request: (sku, quantity, price or 0 for the price list, line discount).
  func orderRequest(
    _ requestID: String,
    _ lines: [(String, Int64, Int64, Int32)],
    priceList: String = "",
    orderDiscount: Int32 = 0
  ) -> Erp_Sales_V1_CreateOrderRequest {
    var request = Erp_Sales_V1_CreateOrderRequest()
    request.requestID = requestID
    request.customerID = self.customerID
    request.ownerID = "EMP-000001"
    request.currencyCode = "SAR"
    request.warehouseCode = "MAIN"
    request.priceListCode = priceList
    request.orderDiscountBasisPoints = orderDiscount
    request.lines = lines.map { sku, quantity, price, discount in
      var line = Erp_Sales_V1_OrderLine()
      line.sku = sku
      line.quantityMilli = quantity
      line.unitPriceMinor = price
      line.discountBasisPoints = discount
      return line
    }
    return request
  }

  func reservation(_ line: String) async throws -> Erp_Supplychain_V1_Reservation? {
    var request = Erp_Supplychain_V1_GetReservationRequest()
    request.orderLineID = line
    do {
      return try await self.stock.getReservation(request)
    } catch let error as RPCError where error.code == .notFound {
      return nil
    }
  }

  func available(_ sku: String) async throws -> Int64 {
    var request = Erp_Supplychain_V1_StockOnHandRequest()
    request.sku = sku
    request.warehouseCode = "MAIN"
    return try await self.stock.stockOnHand(request).levels.first?.availableMilli ?? 0
  }

  /// The customer's timeline events of `type`.
  func events(_ type: String) async throws -> [Erp_Customers_V1_BusinessEvent] {
    var request = Erp_Customers_V1_TimelineRequest()
    request.customerID = self.customerID
    let timeline = try await Erp_Customers_V1_Interactions.Client(wrapping: self.customers)
      .timeline(request)
    return timeline.items.compactMap { item in
      guard case .event(let event) = item.item, event.eventType == type else { return nil }
      return event
    }
  }

  func order(_ number: String) async throws -> Erp_Sales_V1_SalesOrder {
    var ref = Erp_Sales_V1_OrderRef()
    ref.number = number
    return try await self.orders.getOrder(ref)
  }

  func balance(role: String) async throws -> Int64 {
    try await financeBalance(
      self.ledger,
      role: role,
      asOf: CalendarDate.today().adding(days: 1).proto
    )
  }
}

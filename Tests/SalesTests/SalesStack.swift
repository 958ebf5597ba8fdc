import Customers
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Finance
import GRPCCore
import Logging
import Sales
import SupplyChain

typealias Client = GRPCClient<ERPTransport.Client>

/// Every service an order touches, each over TCP on its own database as in production:
/// finance, customers, the supply chain (calling finance) and sales (calling all three), the
/// outbox relays and the sales recovery running. A tenant is provisioned in all four, its books
/// in SAR, with a warehouse MAIN, a customer and two items in stock.
struct SalesStack: Sendable {
  let tenant: TenantID
  let sales: Client
  let finance: Client
  let customers: Client
  let supplychain: Client
  /// The sales database, to look at what the service persisted.
  let salesPool: ConnectionPool
  let customerID: String
  /// The peers' servers, for a test that stops one and starts it again (empty when the
  /// stack's peers run elsewhere).
  var servers: [String: RestartableServer] = [:]
  /// The peers' databases, and the sales outbox relay, when the stack runs them here.
  var peerPools: [String: ConnectionPool] = [:]
  var relay: OutboxRelay?
  /// Sales' metrics (what its `/metrics` would serve).
  var metrics: ServiceMetrics?

  var orders: Erp_Sales_V1_Orders.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var pricing: Erp_Sales_V1_Pricing.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var reports: Erp_Sales_V1_SalesReports.Client<ERPTransport.Client> { .init(wrapping: self.sales) }
  var stock: Erp_Supplychain_V1_Stock.Client<ERPTransport.Client> {
    .init(wrapping: self.supplychain)
  }
  var billing: Erp_Finance_V1_Billing.Client<ERPTransport.Client> { .init(wrapping: self.finance) }
  var ledger: Erp_Finance_V1_Ledger.Client<ERPTransport.Client> { .init(wrapping: self.finance) }

  static let secret = "unused-in-these-tests"
  static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

  /// The other three services, served; `body` gets their ports and the tenant.
  static func peers<T: Sendable>(
    _ body:
      @Sendable (_ ports: [String: Int], _ tenant: TenantID, _ pools: [String: ConnectionPool])
      async throws -> T
  ) async throws -> T {
    try await Self.peers { ports, tenant, pools, _ in try await body(ports, tenant, pools) }
  }

  /// The other three services, served; `body` also gets their servers.
  static func peers<T: Sendable>(
    _ body:
      @Sendable (
        _ ports: [String: Int], _ tenant: TenantID, _ pools: [String: ConnectionPool],
        _ servers: [String: RestartableServer]
      ) async throws -> T
  ) async throws -> T {
    let tenant = TestDatabase.uniqueTenant("so")
    var pools: [String: ConnectionPool] = [:]
    for name in ["finance", "customers", "supplychain"] {
      pools[name] = try await TestDatabase.isolatedPool("so_\(name)", maxConnections: 10)
    }
    try await ServiceDefinition.prepare(
      CustomersService.definition.databaseSetup,
      on: pools["customers"]!
    )
    try await pools["finance"]!.provision(tenant, migrations: FinanceService.definition.migrations)
    try await pools["customers"]!.provision(
      tenant,
      migrations: CustomersService.definition.migrations
    )
    try await pools["supplychain"]!.provision(
      tenant,
      migrations: SupplyChainService.definition.migrations
    )
    let finance = try await RestartableServer(
      services: FinanceService.services(pool: pools["finance"]!),
      interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: pools["finance"]!)]
    )
    let customers = try await RestartableServer(
      services: CustomersService.services(pool: pools["customers"]!),
      interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: pools["customers"]!)]
    )
    let supplyPeers = PeerClients(
      targets: ["finance": [.init(host: "127.0.0.1", port: finance.port)]],
      secret: Self.secret
    )
    let supplyRelay = SupplyChainService.relay(
      pool: pools["supplychain"]!,
      peers: supplyPeers,
      logger: Self.logger
    )
    let supplychain = try await RestartableServer(
      services: SupplyChainService.services(
        pool: pools["supplychain"]!,
        peers: supplyPeers,
        relay: supplyRelay
      ),
      interceptors: [
        RequestValidationInterceptor(), TenantInterceptor(pool: pools["supplychain"]!),
      ]
    )
    let result: Result<T, any Error>
    do {
      result = .success(
        try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask { try await supplyPeers.runConnections() }
          group.addTask { try await supplyRelay.run() }
          defer {
            supplyPeers.shutdown()
            group.cancelAll()
          }
          return try await body(
            [
              "finance": finance.port, "customers": customers.port, "supplychain": supplychain.port,
            ],
            tenant,
            pools,
            ["finance": finance, "customers": customers, "supplychain": supplychain]
          )
        }
      )
    } catch {
      result = .failure(error)
    }
    for server in [supplychain, customers, finance] { await server.stop() }
    for pool in pools.values { await pool.shutdown() }
    return try result.get()
  }

  /// The whole stack with sales served in this process.
  static func run<T: Sendable>(
    invoiceOn: Erp_Sales_V1_InvoiceOn = .shipment,
    _ body: @Sendable (SalesStack) async throws -> T
  ) async throws -> T {
    try await Self.peers { ports, tenant, peerPools, servers in
      let pool = try await TestDatabase.pool(maxConnections: 10)
      defer { Task { await pool.shutdown() } }
      try await pool.provision(tenant, migrations: SalesService.definition.migrations)
      let peers = PeerClients(
        targets: ports.mapValues { [.init(host: "127.0.0.1", port: $0)] },
        secret: Self.secret
      )
      let metrics = ServiceMetrics(service: "sales")
      let parts = SalesService.parts(
        pool: pool,
        peers: peers,
        logger: Self.logger,
        metrics: metrics
      )
      return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await peers.runConnections() }
        group.addTask { try await parts.relay.run() }
        group.addTask { try await parts.recovery.run() }
        defer {
          peers.shutdown()
          group.cancelAll()
        }
        return try await withLoopbackServer(
          services: parts.services,
          interceptors: [RequestValidationInterceptor(), TenantInterceptor(pool: pool)]
        ) { _, port in
          try await Self.clients(salesPort: port, ports: ports, tenant: tenant, pool: pool) {
            stack in
            var settings = Erp_Sales_V1_SalesSettings()
            settings.invoiceOn = invoiceOn
            settings.paymentTermsDays = 30
            _ = try await stack.pricing.updateSettings(settings)
            var stack = stack
            stack.servers = servers
            stack.peerPools = peerPools
            stack.relay = parts.relay
            stack.metrics = metrics
            return try await body(stack)
          }
        }
      }
    }
  }

  /// Clients to every service with the tenant bound and its data set up.
  /// `seeded`: the peers already hold the tenant's data (a second connection to the same stack).
  static func clients<T: Sendable>(
    salesPort: Int,
    ports: [String: Int],
    tenant: TenantID,
    pool: ConnectionPool,
    secret: String = Self.secret,
    supplychainSecret: String = Self.secret,
    seeded: Bool = false,
    _ body: @Sendable (SalesStack) async throws -> T
  ) async throws -> T {
    try await withServiceClient(port: salesPort, secret: secret) { sales in
      try await withServiceClient(port: ports["finance"]!, secret: Self.secret) { finance in
        try await withServiceClient(port: ports["customers"]!, secret: Self.secret) { customers in
          try await withServiceClient(port: ports["supplychain"]!, secret: supplychainSecret) {
            supplychain in
            try await RequestContext.$tenant.withValue(tenant) {
              let customerID =
                seeded
                ? try await Self.customerID(customers)
                : try await Self.seed(
                  finance: finance,
                  customers: customers,
                  supplychain: supplychain
                )
              return try await body(
                SalesStack(
                  tenant: tenant,
                  sales: sales,
                  finance: finance,
                  customers: customers,
                  supplychain: supplychain,
                  salesPool: pool,
                  customerID: customerID
                )
              )
            }
          }
        }
      }
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

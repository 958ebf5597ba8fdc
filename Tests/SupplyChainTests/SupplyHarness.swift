import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

typealias Catalog = Erp_Supplychain_V1_Catalog.Client<ERPTransport.Client>
typealias Stock = Erp_Supplychain_V1_Stock.Client<ERPTransport.Client>
typealias Purchasing = Erp_Supplychain_V1_Purchasing.Client<ERPTransport.Client>
typealias Shipping = Erp_Supplychain_V1_Shipping.Client<ERPTransport.Client>
typealias Ledger = Erp_Finance_V1_Ledger.Client<ERPTransport.Client>
typealias Billing = Erp_Finance_V1_Billing.Client<ERPTransport.Client>

/// The clients a supply chain test talks to: the service's four APIs, and finance's (to check
/// what was posted there).
struct SupplyClients: Sendable {
  let catalog: Catalog
  let stock: Stock
  let purchasing: Purchasing
  let shipping: Shipping
  let ledger: Ledger
  let billing: Billing
  let tenant: TenantID
}

/// Supply chain calling a real finance service, both on production's runners
/// (``InProcessSystem``: the services' authentication, field limits, the supply chain's outbox
/// relay), the books in SAR.
enum SupplyHarness {
  /// Runs `body` with the clients and finance, which the body may stop and start again
  /// (finance going down and coming back).
  static func run<T: Sendable>(
    _ body: @Sendable (SupplyClients, SystemMember) async throws -> T
  ) async throws -> T {
    try await TestDatabase.withOwnDatabases("sc") { databases in
      let options = InProcessSystem.Options(services: ["finance", "supplychain"]) { entry in
        try await TestDatabase.isolatedConninfo("\(databases)_\(entry.name)")
      }
      return try await Self.run(options, body)
    }
  }

  private static func run<T: Sendable>(
    _ options: InProcessSystem.Options,
    _ body: @Sendable (SupplyClients, SystemMember) async throws -> T
  ) async throws -> T {
    try await InProcessSystem.run(options) { system in
      let tenant = TestDatabase.uniqueTenant("sc")
      return try await system.withTenant(tenant, clients: ["supplychain", "finance"]) { clients in
        let (supplychain, finance) = (clients["supplychain"]!, clients["finance"]!)
        var settings = Erp_Finance_V1_SetBaseCurrencyRequest()
        settings.currencyCode = "SAR"
        _ = try await Ledger(wrapping: finance).setBaseCurrency(settings)
        return try await body(
          SupplyClients(
            catalog: Catalog(wrapping: supplychain),
            stock: Stock(wrapping: supplychain),
            purchasing: Purchasing(wrapping: supplychain),
            shipping: Shipping(wrapping: supplychain),
            ledger: Ledger(wrapping: finance),
            billing: Billing(wrapping: finance),
            tenant: tenant
          ),
          system["finance"]!
        )
      }
    }
  }

  /// The usual harness, finance always up.
  static func run<T: Sendable>(
    _ body: @Sendable (SupplyClients) async throws -> T
  ) async throws
    -> T
  {
    try await self.run { clients, _ in try await body(clients) }
  }
}

/// Building blocks the tests share: a warehouse, an item, stock received through a purchase
/// order.
extension SupplyClients {
  func warehouse(_ code: String, locations: [String] = []) async throws {
    var request = Erp_Supplychain_V1_CreateWarehouseRequest()
    request.warehouse.code = code
    request.warehouse.name = "مستودع \(code)"
    request.warehouse.locations = locations
    request.requestID = "warehouse-\(code)"
    _ = try await self.catalog.createWarehouse(request)
  }

  func item(
    _ sku: String,
    name: String? = nil,
    cost: Int64 = 0,
    supplier: String = ""
  )
    async throws -> Erp_Supplychain_V1_Item
  {
    var request = Erp_Supplychain_V1_CreateItemRequest()
    request.requestID = "item-\(sku)"
    request.item.sku = sku
    request.item.name = name ?? "صنف \(sku)"
    request.item.standardCost = money(cost)
    request.item.listPrice = money(cost * 2)
    request.item.preferredSupplierCode = supplier
    return try await self.catalog.createItem(request)
  }

  func supplier(_ name: String = "مؤسسة التوريد") async throws -> Erp_Supplychain_V1_Supplier {
    var request = Erp_Supplychain_V1_CreateSupplierRequest()
    request.requestID = "supplier-\(name)"
    request.supplier.name = name
    request.supplier.currencyCode = "SAR"
    request.supplier.leadTimeDays = 7
    return try await self.catalog.createSupplier(request)
  }

  /// A purchase order for `lines` (sku, quantity in thousandths, unit cost), placed.
  func order(
    _ requestID: String,
    supplier: String,
    warehouse: String,
    _ lines: [(String, Int64, Int64)]
  ) async throws -> Erp_Supplychain_V1_PurchaseOrder {
    var request = Erp_Supplychain_V1_CreatePurchaseOrderRequest()
    request.requestID = requestID
    request.supplierCode = supplier
    request.warehouseCode = warehouse
    request.currencyCode = "SAR"
    request.lines = lines.map { sku, quantity, cost in
      var line = Erp_Supplychain_V1_PurchaseOrderLine()
      line.sku = sku
      line.quantityMilli = quantity
      line.unitCostMinor = cost
      return line
    }
    let order = try await self.purchasing.createPurchaseOrder(request)
    var place = Erp_Supplychain_V1_PurchaseOrderRef()
    place.number = order.number
    return try await self.purchasing.placePurchaseOrder(place)
  }

  func receive(
    _ requestID: String,
    order: String,
    _ lines: [(Int32, Int64)]
  ) async throws -> Erp_Supplychain_V1_GoodsReceipt {
    var request = Erp_Supplychain_V1_ReceiveGoodsRequest()
    request.requestID = requestID
    request.purchaseOrderNumber = order
    request.lines = lines.map { number, quantity in
      var line = Erp_Supplychain_V1_ReceiptLine()
      line.lineNumber = number
      line.quantityMilli = quantity
      return line
    }
    return try await self.purchasing.receiveGoods(request)
  }

  /// Stock counted in by adjustment, at `unitCost`.
  func stockIn(
    _ sku: String,
    _ warehouse: String,
    _ quantity: Int64,
    unitCost: Int64
  )
    async throws
  {
    var request = Erp_Supplychain_V1_AdjustStockRequest()
    request.requestID = "in-\(sku)-\(warehouse)-\(quantity)-\(unitCost)"
    request.sku = sku
    request.warehouseCode = warehouse
    request.quantityMilli = quantity
    request.unitCost = money(unitCost)
    request.reason = "opening count"
    _ = try await self.stock.adjust(request)
  }

  func reserve(
    _ line: String,
    _ sku: String,
    _ warehouse: String,
    _ quantity: Int64,
    order: String = "SO-1"
  )
    async throws -> Erp_Supplychain_V1_Reservation
  {
    var request = Erp_Supplychain_V1_ReserveRequest()
    request.orderLineID = line
    request.orderID = order
    request.sku = sku
    request.warehouseCode = warehouse
    request.quantityMilli = quantity
    return try await self.stock.reserve(request)
  }

  func level(_ sku: String, _ warehouse: String) async throws -> Erp_Supplychain_V1_StockLevel? {
    var request = Erp_Supplychain_V1_StockOnHandRequest()
    request.sku = sku
    request.warehouseCode = warehouse
    return try await self.stock.stockOnHand(request).levels.first
  }

  /// Ships `lines` (order line id, quantity) of `order` by SMSA.
  func ship(
    _ requestID: String,
    order: String,
    _ lines: [(String, Int64)],
    carrier: String = "SMSA",
    tracking: String = ""
  ) async throws -> Erp_Supplychain_V1_Shipment {
    var request = Erp_Supplychain_V1_ShipOrderRequest()
    request.requestID = requestID
    request.orderID = order
    request.carrier = carrier
    request.trackingNumber = tracking
    request.lines = lines.map { line, quantity in
      var shipmentLine = Erp_Supplychain_V1_ShipmentLine()
      shipmentLine.orderLineID = line
      shipmentLine.quantityMilli = quantity
      return shipmentLine
    }
    return try await self.shipping.shipOrder(request)
  }

  /// The balance of finance's account with `role` (debit positive), as of tomorrow.
  func financeBalance(role: String) async throws -> Int64 {
    try await ERPTestSupport.financeBalance(
      self.ledger,
      role: role,
      asOf: CalendarDate.today().adding(days: 1).proto
    )
  }
}

func money(_ minor: Int64, _ currency: String = "SAR") -> Erp_Common_V1_Money {
  Erp_Common_V1_Money(minor, currency)
}

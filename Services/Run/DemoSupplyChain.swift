import ERPProtos
import ERPTransport
import GRPCCore

/// The demo tenant's supply side: two warehouses, a supplier, three items, a purchase order
/// received into Riyadh, part of it moved to Jeddah, and reorder rules. Every call is
/// idempotent (fixed request ids; an existing warehouse is left as it is).
extension DemoData {
  static func seedSupplyChain(_ client: GRPCClient<ERPTransport.Client>) async throws {
    let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: client)
    for (code, name, locations) in [
      ("RUH", "مستودع الرياض", ["A-01", "A-02"]), ("JED", "مستودع جدة", ["B-01"]),
    ] {
      var request = Erp_Supplychain_V1_CreateWarehouseRequest()
      request.warehouse.code = code
      request.warehouse.name = name
      request.warehouse.locations = locations
      request.requestID = "demo-warehouse-\(code)"
      do {
        _ = try await catalog.createWarehouse(request)
      } catch let error as RPCError where error.code == .alreadyExists {}
    }

    var supplierRequest = Erp_Supplychain_V1_CreateSupplierRequest()
    supplierRequest.requestID = "demo-supplier-1"
    supplierRequest.supplier.name = "مصنع الخليج للأغذية"
    supplierRequest.supplier.email = "sales@gulffoods.example"
    supplierRequest.supplier.currencyCode = "SAR"
    supplierRequest.supplier.leadTimeDays = 10
    let supplier = try await catalog.createSupplier(supplierRequest)

    let items: [(String, String, Int64, Int64, Int64)] = [
      ("DATES-1KG", "تمر سكري ١ كغ", 30_000, 25_00, 45_00),
      ("COFFEE-500G", "قهوة عربية ٥٠٠ غ", 12_000, 38_50, 65_00),
      ("CUP-SET", "Tea cup set (6)", 5_000, 60_00, 99_00),
    ]
    for (sku, name, _, cost, price) in items {
      var request = Erp_Supplychain_V1_CreateItemRequest()
      request.requestID = "demo-item-\(sku)"
      request.item.sku = sku
      request.item.name = name
      request.item.unitOfMeasure = "unit"
      request.item.standardCost.currencyCode = "SAR"
      request.item.standardCost.unitsMinor = cost
      request.item.listPrice.currencyCode = "SAR"
      request.item.listPrice.unitsMinor = price
      request.item.preferredSupplierCode = supplier.code
      _ = try await catalog.createItem(request)
    }

    let purchasing = Erp_Supplychain_V1_Purchasing.Client(wrapping: client)
    var order = Erp_Supplychain_V1_CreatePurchaseOrderRequest()
    order.requestID = "demo-po-1"
    order.supplierCode = supplier.code
    order.warehouseCode = "RUH"
    order.currencyCode = "SAR"
    order.expectedDate = Self.date(2026, 11, 20)
    order.lines = items.map { sku, _, quantity, cost, _ in
      var line = Erp_Supplychain_V1_PurchaseOrderLine()
      line.sku = sku
      line.quantityMilli = quantity
      line.unitCostMinor = cost
      return line
    }
    var created = try await purchasing.createPurchaseOrder(order)
    if created.status == .draft {
      var place = Erp_Supplychain_V1_PurchaseOrderRef()
      place.number = created.number
      created = try await purchasing.placePurchaseOrder(place)
    }
    var receipt = Erp_Supplychain_V1_ReceiveGoodsRequest()
    receipt.requestID = "demo-grn-1"
    receipt.purchaseOrderNumber = created.number
    receipt.receiptDate = Self.date(2026, 11, 20)
    receipt.lines = created.lines.map { line in
      var received = Erp_Supplychain_V1_ReceiptLine()
      received.lineNumber = line.lineNumber
      received.quantityMilli = line.quantityMilli
      received.location = "A-01"
      return received
    }
    _ = try await purchasing.receiveGoods(receipt)

    let stock = Erp_Supplychain_V1_Stock.Client(wrapping: client)
    var transfer = Erp_Supplychain_V1_TransferRequest()
    transfer.requestID = "demo-transfer-1"
    transfer.sku = "DATES-1KG"
    transfer.fromWarehouseCode = "RUH"
    transfer.toWarehouseCode = "JED"
    transfer.quantityMilli = 8_000
    _ = try await stock.transfer(transfer)

    for (sku, warehouse, point, quantity) in [
      ("DATES-1KG", "JED", 10_000, 20_000), ("CUP-SET", "RUH", 6_000, 10_000),
    ] as [(String, String, Int64, Int64)] {
      var rule = Erp_Supplychain_V1_ReorderRule()
      rule.sku = sku
      rule.warehouseCode = warehouse
      rule.reorderPointMilli = point
      rule.reorderQuantityMilli = quantity
      _ = try await catalog.setReorderRule(rule)
    }
  }
}

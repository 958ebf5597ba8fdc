import ERPProtos
import GRPCCore
import Testing

/// The supply chain calls no other test made: UpdateItem, ListSuppliers, ListWarehouses and
/// GetShipment. Each reads back what was stored and checks a refusal naming its field.
@Suite("Catalog and shipping: the calls the other tests do not make")
struct CatalogAndShippingReadTests {
  @Test("UpdateItem changes the stored item; a bad field or unknown SKU changes nothing")
  func updateItem() async throws {
    try await SupplyHarness.run { clients in
      let supplier = try await clients.supplier()
      let created = try await clients.item("UP-1", name: "قهوة", cost: 1_000)
      var item = created
      item.name = "قهوة عربية"
      item.unitOfMeasure = "kg"
      item.barcode = "6281000000017"
      item.listPrice = money(4_500)
      item.active = false
      item.preferredSupplierCode = supplier.code
      var update = Erp_Supplychain_V1_UpdateItemRequest()
      update.item = item
      let answered = try await clients.catalog.updateItem(update)
      var get = Erp_Supplychain_V1_GetItemRequest()
      get.sku = "UP-1"
      let stored = try await clients.catalog.getItem(get)
      #expect(answered == stored)
      #expect(stored.name == "قهوة عربية")
      #expect(stored.unitOfMeasure == "kg")
      #expect(stored.barcode == "6281000000017")
      #expect(stored.listPrice.unitsMinor == 4_500)
      #expect(stored.standardCost.unitsMinor == 1_000)
      #expect(!stored.active)
      #expect(stored.preferredSupplierCode == supplier.code)

      func refusal(_ edit: (inout Erp_Supplychain_V1_Item) -> Void) async -> RPCError? {
        var bad = Erp_Supplychain_V1_UpdateItemRequest()
        bad.item = stored
        edit(&bad.item)
        return await #expect(throws: RPCError.self) { try await clients.catalog.updateItem(bad) }
      }
      let name = await refusal { $0.name = " " }
      #expect(name?.code == .invalidArgument)
      #expect(name?.message.hasPrefix("item.name:") == true)
      let price = await refusal { $0.listPrice.unitsMinor = -1 }
      #expect(price?.message.hasPrefix("item.list_price.units_minor:") == true)
      let unknownSupplier = await refusal { $0.preferredSupplierCode = "SUP-999999" }
      #expect(unknownSupplier?.code == .notFound)
      #expect(unknownSupplier?.message.hasPrefix("item.preferred_supplier_code:") == true)
      let unknown = await refusal { $0.sku = "NO-SUCH" }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("item.sku:") == true)
      #expect(try await clients.catalog.getItem(get) == stored)
    }
  }

  @Test("ListSuppliers and ListWarehouses list what was created, in code order")
  func listSuppliersAndWarehouses() async throws {
    try await SupplyHarness.run { clients in
      #expect(try await clients.catalog.listSuppliers(.init()).suppliers.isEmpty)
      let first = try await clients.supplier("مؤسسة الأولى")
      let second = try await clients.supplier("Second Supplies")
      let suppliers = try await clients.catalog.listSuppliers(.init()).suppliers
      #expect(suppliers.map(\.code) == [first.code, second.code])
      #expect(suppliers.map(\.name) == ["مؤسسة الأولى", "Second Supplies"])
      #expect(suppliers.allSatisfy { $0.currencyCode == "SAR" && $0.leadTimeDays == 7 })

      try await clients.warehouse("WEST", locations: ["B-2", "A-1"])
      try await clients.warehouse("EAST")
      let warehouses = try await clients.catalog.listWarehouses(.init()).warehouses
      #expect(warehouses.map(\.code) == ["EAST", "WEST"])
      #expect(warehouses.map(\.name) == ["مستودع EAST", "مستودع WEST"])
      #expect(warehouses.map(\.locations) == [[], ["A-1", "B-2"]])
    }
  }

  @Test("GetShipment answers the shipment as shipped; an unknown number is NOT_FOUND")
  func getShipment() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      _ = try await clients.item("GS-1")
      try await clients.stockIn("GS-1", "MAIN", 5_000, unitCost: 800)
      _ = try await clients.reserve("SO-G/1", "GS-1", "MAIN", 3_000, order: "SO-G")
      let shipped = try await clients.ship(
        "ship-g1",
        order: "SO-G",
        [("SO-G/1", 2_000)],
        carrier: "أرامكس",
        tracking: "TRK-9"
      )

      var get = Erp_Supplychain_V1_GetShipmentRequest()
      get.number = shipped.number
      let stored = try await clients.shipping.getShipment(get)
      #expect(stored.number == shipped.number)
      #expect(stored.orderID == "SO-G")
      #expect(stored.carrier == "أرامكس")
      #expect(stored.trackingNumber == "TRK-9")
      #expect(stored.lines.map(\.orderLineID) == ["SO-G/1"])
      #expect(stored.lines.map(\.quantityMilli) == [2_000])
      #expect(stored.cost.unitsMinor == 1_600)
      #expect(stored.shipDate == shipped.shipDate)

      get.number = "SHP-999999"
      let unknown = await #expect(throws: RPCError.self) {
        try await clients.shipping.getShipment(get)
      }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("number:") == true)
    }
  }
}

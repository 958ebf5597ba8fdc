import ERPProtos
import GRPCCore
import Testing

@Suite("Catalog")
struct CatalogTests {
  @Test("Items keep Arabic names; SKUs are unique; import upserts on SKU and reports bad rows")
  func itemsAndImport() async throws {
    try await SupplyHarness.run { clients in
      let created = try await clients.item("TEA-1", name: "شاي أخضر", cost: 1_250)
      #expect(created.name == "شاي أخضر")
      #expect(created.active)
      var duplicate = Erp_Supplychain_V1_CreateItemRequest()
      duplicate.requestID = "another"
      duplicate.item.sku = "TEA-1"
      duplicate.item.name = "x"
      let taken = await #expect(throws: RPCError.self) {
        _ = try await clients.catalog.createItem(duplicate)
      }
      #expect(taken?.code == .alreadyExists)
      #expect(taken?.message.hasPrefix("item.sku") == true)

      let rows: [(String, String)] = [
        ("TEA-1", "شاي أخضر ممتاز"), ("CUP-1", "كوب"), ("bad sku", "x"), ("CUP-2", ""),
      ]
      let sent = rows.map { sku, name in
        var row = Erp_Supplychain_V1_ImportItemRow()
        row.item.sku = sku
        row.item.name = name
        return row
      }
      let first = try await clients.catalog.importItems(
        request: StreamingClientRequest { writer in try await writer.write(contentsOf: sent) }
      ) { try $0.message }
      #expect(first.created == 1)
      #expect(first.updated == 1)
      #expect(first.errors.map(\.row) == [3, 4])
      #expect(first.errors.map(\.field) == ["item.sku", "item.name"])
      let second = try await clients.catalog.importItems(
        request: StreamingClientRequest { writer in try await writer.write(contentsOf: sent) }
      ) { try $0.message }
      #expect(second.created == 0)
      #expect(second.updated == 2)
      var get = Erp_Supplychain_V1_GetItemRequest()
      get.sku = "TEA-1"
      #expect(try await clients.catalog.getItem(get).name == "شاي أخضر ممتاز")
      let listed = try await clients.catalog.listItems(.init()).items.map(\.sku)
      #expect(listed == ["CUP-1", "TEA-1"])
    }
  }

  @Test("Replenishment suggests a purchase order per supplier for items at their reorder point")
  func replenishment() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier("شركة المراعي")
      _ = try await clients.item("R-1", cost: 400, supplier: supplier.code)
      _ = try await clients.item("R-2", cost: 100, supplier: supplier.code)
      _ = try await clients.item("R-3", cost: 100)
      try await clients.stockIn("R-1", "MAIN", 2_000, unitCost: 400)
      try await clients.stockIn("R-2", "MAIN", 50_000, unitCost: 100)
      for (sku, point, quantity) in [
        ("R-1", 5_000, 20_000), ("R-2", 5_000, 10_000), ("R-3", 0, 1_000),
      ]
        as [(String, Int64, Int64)]
      {
        var rule = Erp_Supplychain_V1_ReorderRule()
        rule.sku = sku
        rule.warehouseCode = "MAIN"
        rule.reorderPointMilli = point
        rule.reorderQuantityMilli = quantity
        _ = try await clients.catalog.setReorderRule(rule)
      }
      let suggestions = try await clients.stock.replenishment(.init()).suggestions
      #expect(suggestions.map(\.supplierCode) == ["", supplier.code])
      #expect(suggestions[1].lines.map(\.sku) == ["R-1"])
      #expect(suggestions[1].lines[0].suggestedQuantityMilli == 20_000)
      #expect(suggestions[1].estimatedTotal.unitsMinor == 8_000)
      #expect(suggestions[0].lines.map(\.sku) == ["R-3"])
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import GRPCCore
import Testing

/// The events partners had no webhook for: stock falling below its reorder point (from the
/// supply chain's moves, once per crossing), and customers created by converting a lead or by
/// an import (one event per customer created).
@Suite("Webhooks: stock below reorder point, converted leads, imported customers")
struct WebhookEventTests {
  @Test("stock.below_reorder_point once per crossing: not again while below, again after a refill")
  func belowReorderPoint() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let tenant = try await gateway.tenant("whstock")
        let key = try await gateway.key(
          tenant,
          scopes: ["webhooks:write", "supplychain:write", "finance:write"]
        ).secret
        let partner = GatewayHarness.partner(key)
        let created = try await gateway.subscribe(
          key,
          url: receiver.url("/stock"),
          types: ["stock.below_reorder_point"]
        )
        var base = Erp_Finance_V1_SetBaseCurrencyRequest()
        base.currencyCode = "SAR"
        _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
          .setBaseCurrency(base, metadata: partner)
        let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: gateway.client)
        for (code, name) in [("MAIN", "المستودع الرئيسي"), ("JED", "جدة")] {
          var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
          warehouse.requestID = "wh-\(code)"
          warehouse.warehouse.code = code
          warehouse.warehouse.name = name
          _ = try await catalog.createWarehouse(warehouse, metadata: partner)
        }
        var item = Erp_Supplychain_V1_CreateItemRequest()
        item.requestID = "item-dates"
        item.item.sku = "DATES-1"
        item.item.name = "تمر"
        _ = try await catalog.createItem(item, metadata: partner)
        var rule = Erp_Supplychain_V1_ReorderRule()
        rule.sku = "DATES-1"
        rule.warehouseCode = "MAIN"
        rule.reorderPointMilli = 5_000
        rule.reorderQuantityMilli = 20_000
        _ = try await catalog.setReorderRule(rule, metadata: partner)

        let stock = Erp_Supplychain_V1_Stock.Client(wrapping: gateway.client)
        func adjust(_ id: String, _ quantity: Int64) async throws {
          var request = Erp_Supplychain_V1_AdjustStockRequest()
          request.requestID = id
          request.sku = "DATES-1"
          request.warehouseCode = "MAIN"
          request.quantityMilli = quantity
          if quantity > 0 { request.unitCost = Erp_Common_V1_Money(7_50, "SAR") }
          request.reason = "جرد"
          _ = try await stock.adjust(request, metadata: partner)
        }
        try await adjust("in-1", 10_000)  // 10: above the point
        try await adjust("out-1", -3_000)  // 7: still above
        try await adjust("out-2", -3_000)  // 4: crosses below: one event
        try await adjust("out-3", -1_000)  // 3: stays below: none
        try await adjust("out-2", -3_000)  // a retried request changes nothing: none
        try await eventually("the first crossing arrives") {
          receiver.received(at: "/stock").count == 1
        }
        // A transfer out of MAIN after a refill crosses again: the second event.
        try await adjust("in-2", 5_000)  // 8: back above
        var transfer = Erp_Supplychain_V1_TransferRequest()
        transfer.requestID = "move-1"
        transfer.sku = "DATES-1"
        transfer.fromWarehouseCode = "MAIN"
        transfer.toWarehouseCode = "JED"
        transfer.quantityMilli = 6_000  // 2: below
        _ = try await stock.transfer(transfer, metadata: partner)
        try await eventually("the second crossing arrives") {
          receiver.received(at: "/stock").count == 2
        }
        let events = receiver.received(at: "/stock")
        for event in events {
          #expect(event.type == "stock.below_reorder_point")
          #expect(event.tenant == tenant)
          #expect(event.signed(with: created.secret))
          #expect(event.data["sku"] as? String == "DATES-1")
          #expect(event.data["warehouseCode"] as? String == "MAIN")
          #expect(event.data["reorderPointMilli"] as? String == "5000")
          #expect(event.data["suggestedQuantityMilli"] as? String == "20000")
        }
        #expect(events.map { $0.data["availableMilli"] as? String } == ["4000", "2000"])
        #expect(Set(events.map(\.id)).count == 2)
        // Nothing more is queued: the supply chain's outbox holds exactly the two events.
        let supply = try #require(gateway.system["supplychain"])
        let queued = try await supply.pool.tenantQuery(
          try TenantID(validating: tenant),
          "SELECT count(*)::bigint AS n FROM outbox WHERE topic = 'gateway.event'"
        )[0].decode("n", as: Int64.self)
        #expect(queued == 2)
      }
    }
  }

  @Test("customer.created for a converted lead and for each customer an import creates")
  func convertedAndImported() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let (tenant, key) = try await gateway.webhookTenant("whconv")
        let partner = GatewayHarness.partner(key)
        var lead = Erp_Customers_V1_CreateCustomerRequest()
        lead.requestID = "lead-1"
        lead.customer.kind = .organisation
        lead.customer.name = "مؤسسة الفجر"
        lead.customer.stage = .lead
        let created = try await gateway.customers.createCustomer(lead, metadata: partner)
        // Subscribed once the lead's own event reached the gateway: only what follows arrives.
        try await eventually("the lead's customer.created reaches the gateway") {
          try await gateway.gatewayPool.withSession { session in
            try await session.query(
              "SELECT 1 FROM gateway.webhook_event WHERE tenant_id = $1",
              [tenant]
            ).count == 1
          }
        }
        let subscription = try await gateway.subscribe(
          key,
          url: receiver.url("/customers"),
          types: ["customer.created"]
        )
        var convert = Erp_Customers_V1_CreateOpportunityRequest()
        convert.requestID = "opp-1"
        convert.opportunity.customerID = created.id
        convert.opportunity.name = "توريد"
        convert.opportunity.amount = Erp_Common_V1_Money(1_000_00, "SAR")
        convert.opportunity.expectedClose = CalendarDate(year: 2026, month: 12, day: 1).proto
        let pipeline = Erp_Customers_V1_Pipeline.Client(wrapping: gateway.client)
        _ = try await pipeline.convertLead(convert, metadata: partner)
        _ = try await pipeline.convertLead(convert, metadata: partner)  // a retry: no event

        let summary = try await gateway.customers.importCustomers(metadata: partner) { writer in
          for number in 1...3 {
            var row = Erp_Customers_V1_ImportRow()
            row.rowNumber = Int64(number)
            row.externalID = "legacy-\(number)"
            row.customer.kind = .organisation
            row.customer.name = "عميل مستورد \(number)"
            row.customer.emails = ["c\(number)@example.com"]
            try await writer.write(row)
          }
        }
        #expect(summary.created == 3)
        // Imported again: updates, no new customers, no new events.
        let again = try await gateway.customers.importCustomers(metadata: partner) { writer in
          var row = Erp_Customers_V1_ImportRow()
          row.rowNumber = 1
          row.externalID = "legacy-1"
          row.customer.kind = .organisation
          row.customer.name = "عميل مستورد 1 (محدث)"
          try await writer.write(row)
        }
        #expect(again.updated == 1)

        try await eventually("the converted lead and three imported customers arrive") {
          receiver.received(at: "/customers").count >= 4
        }
        let events = receiver.received(at: "/customers")
        #expect(events.count == 4)
        #expect(events.allSatisfy { $0.type == "customer.created" && $0.tenant == tenant })
        #expect(events.allSatisfy { $0.signed(with: subscription.secret) })
        let converted = try #require(events.first { $0.data["id"] as? String == created.id })
        #expect(converted.data["name"] as? String == "مؤسسة الفجر")
        #expect(converted.data["stage"] as? String == "LIFECYCLE_STAGE_PROSPECT")
        let imported = events.filter { $0.data["id"] as? String != created.id }
        #expect(
          Set(imported.compactMap { $0.data["name"] as? String })
            == ["عميل مستورد 1", "عميل مستورد 2", "عميل مستورد 3"]
        )
        #expect(imported.contains { ($0.data["emails"] as? [String]) == ["c2@example.com"] })
        #expect(Set(events.map(\.id)).count == 4)
      }
    }
  }
}

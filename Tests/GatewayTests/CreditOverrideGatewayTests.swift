import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

/// A partner's key scopes are its roles for now: confirming an order over the customer's
/// credit limit needs `sales:credit_override`, which the gateway passes to sales with the
/// key's id (``Caller``), and the override records that id.
@Suite("Gateway: credit limit overrides by the key's scope")
struct CreditOverrideGatewayTests {
  @Test("a clerk's key is refused the override, a manager's key overrides and is recorded")
  func overrideByScope() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwc")
      let everything = ["customers:write", "supplychain:write", "finance:write", "sales:write"]
      let clerkSecret = try await gateway.key(tenant, scopes: everything).secret
      let clerk = GatewayHarness.partner(clerkSecret)
      let issued = try await gateway.key(tenant, scopes: everything + [Caller.creditOverrideScope])
      let manager = GatewayHarness.partner(issued.secret)

      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
        .setBaseCurrency(base, metadata: clerk)
      let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: gateway.client)
      var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
      warehouse.requestID = "wh-main"
      warehouse.warehouse.code = "MAIN"
      warehouse.warehouse.name = "المستودع"
      _ = try await catalog.createWarehouse(warehouse, metadata: clerk)
      var item = Erp_Supplychain_V1_CreateItemRequest()
      item.requestID = "item-tea"
      item.item.sku = "TEA-1"
      item.item.name = "شاي"
      _ = try await catalog.createItem(item, metadata: clerk)
      var count = Erp_Supplychain_V1_AdjustStockRequest()
      count.requestID = "count-tea"
      count.sku = "TEA-1"
      count.warehouseCode = "MAIN"
      count.quantityMilli = 5_000
      count.unitCost = Erp_Common_V1_Money(10_00, "SAR")
      count.reason = "opening"
      _ = try await Erp_Supplychain_V1_Stock.Client(wrapping: gateway.client)
        .adjust(count, metadata: clerk)
      let customer = try await gateway.createCustomer(clerkSecret, "الريادة")

      var terms = Erp_Finance_V1_PartyTerms()
      terms.direction = .receivable
      terms.partyID = customer.id
      terms.termsCode = "NET30"
      terms.creditLimit = Erp_Common_V1_Money(10_00, "SAR")
      _ = try await Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
        .setPartyTerms(terms, metadata: clerk)

      let orders = Erp_Sales_V1_Orders.Client(wrapping: gateway.client)
      var create = Erp_Sales_V1_CreateOrderRequest()
      create.requestID = "order-1"
      create.customerID = customer.id
      create.currencyCode = "SAR"
      create.warehouseCode = "MAIN"
      var line = Erp_Sales_V1_OrderLine()
      line.sku = "TEA-1"
      line.quantityMilli = 1_000
      line.unitPriceMinor = 30_00
      create.lines = [line]
      let order = try await orders.createOrder(create, metadata: clerk)
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = order.number

      let over = await #expect(throws: RPCError.self) {
        _ = try await orders.confirmOrder(ref, metadata: clerk)
      }
      #expect(over?.code == .failedPrecondition)
      #expect(over?.message.contains("credit limit of 10.00 SAR") == true)
      #expect(over?.message.contains("exposure 34.50 SAR") == true)

      ref.overrideCreditLimit = true
      ref.overrideReason = "موافقة المدير"
      let denied = await #expect(throws: RPCError.self) {
        _ = try await orders.confirmOrder(ref, metadata: clerk)
      }
      #expect(denied?.code == .permissionDenied)

      // A partner cannot claim a caller of its own: the gateway refuses the call, and names the
      // key itself as the approver.
      var claiming = manager
      claiming.addString("key_someone_else", forKey: "x-erp-caller")
      let claimed = await #expect(throws: RPCError.self) {
        _ = try await orders.confirmOrder(ref, metadata: claiming)
      }
      #expect(claimed?.code == .permissionDenied)
      #expect(claimed?.message.hasPrefix("x-erp-caller") == true)
      let confirmed = try await orders.confirmOrder(ref, metadata: manager)
      #expect(confirmed.status == .confirmed)
      #expect(confirmed.creditOverride.approvedBy == issued.key.id)
      #expect(confirmed.creditOverride.reason == "موافقة المدير")
      #expect(confirmed.creditOverride.exposure == Erp_Common_V1_Money(34_50, "SAR"))
    }
  }
}

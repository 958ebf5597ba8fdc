import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import Gateway

/// The audit trail (the gateway's, of every call) and the per-record history (each service's, of
/// every change), through the gateway with one API key, as a partner would use them.
@Suite("Gateway: audit trail and record history")
struct AuditTrailTests {
  static let scopes = [
    "customers:write", "sales:write", "finance:write", "supplychain:write", "hr:write", "admin",
  ]

  @Test("a scripted session is in the audit trail and in each record's history, never editable")
  func scriptedSession() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwaud")
      let issued = try await gateway.key(tenant, scopes: Self.scopes)
      let keyID = issued.key.id
      let partner = GatewayHarness.partner(issued.secret)
      var calls: [(method: String, record: String)] = []

      // A customer with an Arabic name, then its name and phone changed.
      var create = Erp_Customers_V1_CreateCustomerRequest()
      create.requestID = "req-customer"
      create.customer.kind = .organisation
      create.customer.name = "شركة الأمل"
      let customer = try await gateway.customers.createCustomer(create, metadata: partner)
      calls.append(("erp.customers.v1.Customers/CreateCustomer", customer.id))
      var update = Erp_Customers_V1_UpdateCustomerRequest()
      update.customer = customer
      update.customer.name = "شركة الأمل الجديدة"
      update.customer.phones = ["+966501234567"]
      var updating = partner
      updating.addString("req-update", forKey: "x-erp-request-id")
      _ = try await gateway.customers.updateCustomer(update, metadata: updating)
      calls.append(("erp.customers.v1.Customers/UpdateCustomer", customer.id))

      // An item (created, then updated), stock, an order created and confirmed.
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
        .setBaseCurrency(base, metadata: partner)
      let catalog = Erp_Supplychain_V1_Catalog.Client(wrapping: gateway.client)
      var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
      warehouse.requestID = "wh-main"
      warehouse.warehouse.code = "MAIN"
      warehouse.warehouse.name = "المستودع"
      _ = try await catalog.createWarehouse(warehouse, metadata: partner)
      var item = Erp_Supplychain_V1_CreateItemRequest()
      item.requestID = "item-tea"
      item.item.sku = "TEA-1"
      item.item.name = "شاي"
      let tea = try await catalog.createItem(item, metadata: partner)
      var itemUpdate = Erp_Supplychain_V1_UpdateItemRequest()
      itemUpdate.item = tea
      itemUpdate.item.name = "شاي أخضر"
      _ = try await catalog.updateItem(itemUpdate, metadata: partner)
      calls.append(("erp.supplychain.v1.Catalog/UpdateItem", "TEA-1"))
      var count = Erp_Supplychain_V1_AdjustStockRequest()
      count.requestID = "count-tea"
      count.sku = "TEA-1"
      count.warehouseCode = "MAIN"
      count.quantityMilli = 5_000
      count.unitCost = Erp_Common_V1_Money(10_00, "SAR")
      count.reason = "opening"
      _ = try await Erp_Supplychain_V1_Stock.Client(wrapping: gateway.client)
        .adjust(count, metadata: partner)
      let orders = Erp_Sales_V1_Orders.Client(wrapping: gateway.client)
      var order = Erp_Sales_V1_CreateOrderRequest()
      order.requestID = "req-order"
      order.customerID = customer.id
      order.currencyCode = "SAR"
      order.warehouseCode = "MAIN"
      var line = Erp_Sales_V1_OrderLine()
      line.sku = "TEA-1"
      line.quantityMilli = 1_000
      line.unitPriceMinor = 30_00
      order.lines = [line]
      let created = try await orders.createOrder(order, metadata: partner)
      calls.append(("erp.sales.v1.Orders/CreateOrder", created.number))
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = created.number
      _ = try await orders.confirmOrder(ref, metadata: partner)
      calls.append(("erp.sales.v1.Orders/ConfirmOrder", created.number))

      // An invoice issued directly.
      var invoice = Erp_Finance_V1_IssueInvoiceRequest()
      invoice.requestID = "req-invoice"
      invoice.direction = .receivable
      invoice.partyID = customer.id
      invoice.partyName = "شركة الأمل الجديدة"
      invoice.currencyCode = "SAR"
      invoice.issueDate = CalendarDate.today().proto
      var invoiceLine = Erp_Finance_V1_InvoiceLine()
      invoiceLine.description_p = "خدمة"
      invoiceLine.quantityMilli = 1_000
      invoiceLine.unitPriceMinor = 200_00
      invoiceLine.taxCode = "STD"
      invoice.lines = [invoiceLine]
      let issuedInvoice = try await Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
        .issueInvoice(invoice, metadata: partner)
      calls.append(("erp.finance.v1.Billing/IssueInvoice", issuedInvoice.number))

      // An employee hired, then changed (terminated: HR's one update of an employee).
      let people = Erp_Hr_V1_People.Client(wrapping: gateway.client)
      var department = Erp_Hr_V1_Department()
      department.code = "SALES"
      department.name = "المبيعات"
      department.requestID = "department-SALES"
      _ = try await people.createDepartment(department, metadata: partner)
      var hire = Erp_Hr_V1_HireEmployeeRequest()
      hire.requestID = "req-hire"
      hire.employee.nameArabic = "سارة"
      hire.employee.identityKind = .nationalID
      hire.employee.identityNumber = "1000000001"
      hire.employee.hireDate = CalendarDate.today().proto
      hire.employee.departmentCode = "SALES"
      hire.employee.payType = .monthly
      hire.employee.payRate = Erp_Common_V1_Money(8_000_00, "SAR")
      hire.employee.iban = "SA0380000000608010167519"
      let employee = try await people.hireEmployee(hire, metadata: partner)
      calls.append(("erp.hr.v1.People/HireEmployee", employee.id))
      var terminate = Erp_Hr_V1_TerminateEmployeeRequest()
      terminate.id = employee.id
      terminate.lastDay = CalendarDate.today().proto
      _ = try await people.terminateEmployee(terminate, metadata: partner)
      calls.append(("erp.hr.v1.People/TerminateEmployee", employee.id))

      // The audit trail: every mutating call, with actor, record, outcome, request id, address.
      let audit = Erp_Gateway_V1_Audit.Client(wrapping: gateway.client)
      var search = Erp_Gateway_V1_SearchAuditRequest()
      search.writesOnly = true
      search.actor = keyID
      // The gateway writes its rows after answering: wait until all 13 writes are there.
      let trail = try await Self.awaited("13 writes in the audit trail") { [search] in
        let found = try await audit.searchAudit(search, metadata: partner).entries
        return found.count >= 13 ? found : nil
      }
      for call in calls {
        let entry = trail.first { $0.method == call.method && $0.recordID == call.record }
        #expect(entry != nil, "\(call.method) \(call.record) is not in the audit trail")
        #expect(entry?.actor == keyID)
        #expect(entry?.code == "OK")
        #expect(entry?.sourceAddress.hasPrefix("ipv4:127.0.0.1") == true)
        #expect(entry?.readOnly == false)
      }
      #expect(trail.allSatisfy { !$0.readOnly })
      let customerCreated = trail.first { $0.method.hasSuffix("/CreateCustomer") }
      #expect(customerCreated?.requestID == "req-customer")
      let customerUpdated = trail.first { $0.method.hasSuffix("/UpdateCustomer") }
      #expect(customerUpdated?.requestID == "req-update")

      // The customer's history: its creation, and the update's fields before and after.
      var history = Erp_Gateway_V1_HistoryRequest()
      history.recordType = "customer"
      history.recordID = customer.id
      let entries = try await audit.history(history, metadata: partner).entries
      #expect(entries.map(\.event) == ["created", "updated"])
      #expect(entries.allSatisfy { $0.callerID == keyID })
      #expect(entries.first?.requestID == "req-customer")
      #expect(entries.first?.method == "erp.customers.v1.Customers/CreateCustomer")
      let changed = try #require(entries.last)
      #expect(changed.requestID == "req-update")
      #expect(Set(changed.changes.map(\.field)) == ["name", "phones"])
      let name = changed.changes.first { $0.field == "name" }
      #expect(try Self.text(name?.beforeJson) == "شركة الأمل")
      #expect(try Self.text(name?.afterJson) == "شركة الأمل الجديدة")
      let phones = changed.changes.first { $0.field == "phones" }
      #expect(phones?.beforeJson == "null")
      #expect(phones?.afterJson.contains("501234567") == true)

      // The other records' histories, from their own services.
      for (type, id, events) in [
        ("order", created.number, ["created", "status_changed"]),
        ("invoice", issuedInvoice.number, ["created"]),
        ("item", "TEA-1", ["created", "updated"]),
        ("employee", employee.id, ["created", "status_changed"]),
      ] {
        history.recordType = type
        history.recordID = id
        let found = try await audit.history(history, metadata: partner).entries
        #expect(Array(found.map(\.event).prefix(events.count)) == events, "\(type) \(id)")
      }
      history.recordType = "item"
      history.recordID = "TEA-1"
      let itemChange = try await audit.history(history, metadata: partner).entries.last
      #expect(itemChange?.changes.map(\.field) == ["name"])
      #expect(try Self.text(itemChange?.changes.first?.afterJson) == "شاي أخضر")
      history.recordType = "order"
      history.recordID = created.number
      let confirmation = try await audit.history(history, metadata: partner).entries
        .first { $0.event == "status_changed" }
      #expect(confirmation?.changes.first?.field == "status")
      #expect(try Self.text(confirmation?.changes.first?.beforeJson) == "draft")

      // Never editable: the history table refuses UPDATE and DELETE, as the tenant's role
      // (its privileges) and as the login role (the trigger); the audit table likewise.
      let customers = gateway.servers["customers"]!.pool
      let id = try TenantID(validating: tenant)
      for statement in [
        "UPDATE record_history SET caller_id = 'someone'", "DELETE FROM record_history",
        "TRUNCATE record_history",
      ] {
        await #expect(throws: PostgresError.self, "\(statement) as the tenant") {
          try await customers.withTenant(id) { try await $0.query(statement) }
        }
        await #expect(throws: PostgresError.self, "\(statement) as the login role") {
          try await customers.withTransaction { session in
            try await session.query("SET LOCAL search_path TO \"\(id.schema)\"")
            try await session.query(statement)
          }
        }
      }
      for statement in [
        "UPDATE gateway.audit SET code = 'OK'", "DELETE FROM gateway.audit",
        "TRUNCATE gateway.audit",
      ] {
        await #expect(throws: PostgresError.self, "\(statement)") {
          try await gateway.gatewayPool.withSession { try await $0.query(statement) }
        }
      }
      let kept = try await customers.withTenant(id) { session in
        try await session.query("SELECT count(*)::bigint AS n FROM record_history")[0]
          .decode("n", as: Int64.self)
      }
      #expect(kept == 2)
    }
  }

  @Test("SearchAudit needs admin; History the record's domain; paging walks the trail once")
  func scopesAndPaging() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwaup")
      let admin = try await gateway.key(tenant, scopes: ["customers:write", "admin"])
      let clerk = try await gateway.key(tenant, scopes: ["customers:write"])
      for index in 0..<5 {
        _ = try await gateway.createCustomer(admin.secret, "عميل \(index)")
      }
      let audit = Erp_Gateway_V1_Audit.Client(wrapping: gateway.client)
      let denied = await #expect(throws: RPCError.self) {
        _ = try await audit.searchAudit(.init(), metadata: GatewayHarness.partner(clerk.secret))
      }
      #expect(denied?.code == .permissionDenied)
      #expect(denied?.message.contains("admin") == true)

      var history = Erp_Gateway_V1_HistoryRequest()
      history.recordType = "employee"
      history.recordID = "EMP-000001"
      let noHR = await #expect(throws: RPCError.self) {
        _ = try await audit.history(history, metadata: GatewayHarness.partner(clerk.secret))
      }
      #expect(noHR?.code == .permissionDenied)
      #expect(noHR?.message.contains("hr:read") == true)
      history.recordType = "payslip"
      let unknown = await #expect(throws: RPCError.self) {
        _ = try await audit.history(history, metadata: GatewayHarness.partner(clerk.secret))
      }
      #expect(unknown?.code == .invalidArgument)
      #expect(unknown?.message.hasPrefix("record_type:") == true)

      var search = Erp_Gateway_V1_SearchAuditRequest()
      search.actor = String(repeating: "k", count: 101)
      let long = await #expect(throws: RPCError.self) {
        _ = try await audit.searchAudit(search, metadata: GatewayHarness.partner(admin.secret))
      }
      #expect(long?.code == .invalidArgument)
      #expect(long?.message.hasPrefix("actor:") == true)

      search.actor = admin.key.id
      search.method = "erp.customers.v1.Customers/CreateCustomer"
      search.page.pageSize = 2
      let all = try await Self.awaited("5 creations in the audit trail") { [search] in
        var whole = search
        whole.page.pageSize = 100
        let found = try await audit.searchAudit(
          whole,
          metadata: GatewayHarness.partner(admin.secret)
        )
        return found.entries.count == 5 ? found.entries : nil
      }
      var paged: [Erp_Gateway_V1_AuditEntry] = []
      var pages = 0
      repeat {
        let page = try await audit.searchAudit(
          search,
          metadata: GatewayHarness.partner(admin.secret)
        )
        #expect(page.entries.count <= 2)
        paged += page.entries
        pages += 1
        search.page.pageToken = page.page.nextPageToken
      } while !search.page.pageToken.isEmpty && pages < 10
      #expect(pages == 3)
      #expect(paged.map(\.id) == all.map(\.id))
      #expect(paged.map(\.id) == paged.map(\.id).sorted(by: >))
      // A time range that ends before the calls holds none of them.
      var before = Erp_Gateway_V1_SearchAuditRequest()
      before.to = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: 1_000))
      let none = try await audit.searchAudit(before, metadata: GatewayHarness.partner(admin.secret))
      #expect(none.entries.isEmpty)
      // Another tenant's admin sees none of this tenant's trail.
      let other = try await gateway.tenant("gwauo")
      let stranger = try await gateway.key(other, scopes: ["admin"])
      let theirs = try await audit.searchAudit(
        .init(),
        metadata: GatewayHarness.partner(stranger.secret)
      )
      #expect(theirs.entries.allSatisfy { $0.actor == stranger.key.id })
    }
  }

  /// `body`'s first non-nil value, asked every 20 ms for at most 60 s (a watchdog: the
  /// condition decides).
  static func awaited<T: Sendable>(
    _ what: String,
    _ body: @Sendable () async throws -> T?
  ) async throws -> T {
    let end = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < end {
      if let value = try await body() { return value }
      try await Task.sleep(for: .milliseconds(20))
    }
    throw RPCError(code: .deadlineExceeded, message: "timed out waiting for \(what)")
  }

  /// A JSON string value's text.
  static func text(_ json: String?) throws -> String? {
    guard let json else { return nil }
    return try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
      as? String
  }
}

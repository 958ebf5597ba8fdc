import ERPProtos
import ERPRuntime
import GRPCCore
import Testing

/// Two sales reps limited to their own records, as the gateway passes them on (`x-erp-caller`,
/// `x-erp-caller-own`), and a manager who is not.
private let u1 = Caller(
  id: "user:aaaaaaaa-0000-0000-0000-000000000001",
  scopes: [],
  ownRecordsOnly: true
)
private let u2 = Caller(
  id: "user:aaaaaaaa-0000-0000-0000-000000000002",
  scopes: [],
  ownRecordsOnly: true
)
private let manager = Caller(id: "user:aaaaaaaa-0000-0000-0000-000000000003", scopes: [])

private func ref(_ number: String) -> Erp_Sales_V1_OrderRef {
  var ref = Erp_Sales_V1_OrderRef()
  ref.number = number
  return ref
}

/// NOT_FOUND, with the message an order that does not exist gets.
private func expectHidden(_ message: String, _ body: () async throws -> Void) async {
  let error = await #expect(throws: RPCError.self) { try await body() }
  #expect(error?.code == .notFound)
  #expect(error?.message == message)
}

@Suite("Sales: record rules (own records only)")
struct SalesRecordRulesTests {
  @Test("a limited rep orders only for its own customers and sees only its own orders")
  func ownOrders() async throws {
    try await SalesStack.run { stack in
      let customers = Erp_Customers_V1_Customers.Client(wrapping: stack.customers)
      func customer(_ rep: Caller, _ name: String) async throws -> String {
        try await RequestContext.$caller.withValue(rep) {
          var request = Erp_Customers_V1_CreateCustomerRequest()
          request.requestID = "rr-\(name)"
          request.customer.kind = .organisation
          request.customer.name = name
          return try await customers.createCustomer(request).id
        }
      }
      let mine = try await customer(u1, "مؤسسة الأول")
      let theirs = try await customer(u2, "مؤسسة الثاني")
      @Sendable func order(_ id: String, _ customer: String) -> Erp_Sales_V1_CreateOrderRequest {
        var request = stack.orderRequest(id, [("TEA-1", 1_000, 30_00, 0)])
        request.customerID = customer
        request.ownerID = ""
        return request
      }

      let (own, quotation) = try await RequestContext.$caller.withValue(u1) { () async throws in
        let own = try await stack.orders.createOrder(order("rr-o1", mine))
        let quotation = try await stack.orders.createQuotation(order("rr-q1", mine))
        // Sales asks customers with the rep as caller: another's customer is not found.
        let foreign = await #expect(throws: RPCError.self) {
          _ = try await stack.orders.createOrder(order("rr-o2", theirs))
        }
        #expect(foreign?.code == .notFound)
        #expect(foreign?.message == "customer_id: no customer \"\(theirs)\"")
        var named = order("rr-o3", mine)
        named.ownerID = u2.id
        let owner = await #expect(throws: RPCError.self) {
          _ = try await stack.orders.createOrder(named)
        }
        #expect(owner?.code == .permissionDenied)
        #expect(owner?.message.hasPrefix("owner_id:") == true)
        return (own, quotation)
      }
      #expect(own.ownerID == u1.id)
      #expect(quotation.ownerID == u1.id)
      let other = try await RequestContext.$caller.withValue(u2) {
        try await stack.orders.createOrder(order("rr-o4", theirs))
      }
      #expect(other.ownerID == u2.id)

      try await RequestContext.$caller.withValue(u1) { () async throws in
        let foreign = ref(other.number)
        let hidden = "number: no order or quotation \"\(other.number)\""
        await expectHidden(hidden) { _ = try await stack.orders.getOrder(foreign) }
        await expectHidden(hidden) { _ = try await stack.orders.confirmOrder(foreign) }
        await expectHidden(hidden) { _ = try await stack.orders.cancelOrder(foreign) }
        var list = Erp_Sales_V1_ListOrdersRequest()
        list.customerID = theirs
        #expect(try await stack.orders.listOrders(list).orders.isEmpty)
        list.customerID = mine
        #expect(try await stack.orders.listOrders(list).orders.map(\.number) == [own.number])
        #expect(try await stack.orders.confirmOrder(ref(own.number)).status == .confirmed)
        #expect(try await stack.orders.convertQuotation(ref(quotation.number)).ownerID == u1.id)
      }
      _ = try await RequestContext.$caller.withValue(u2) { try await stack.orders.confirmOrder(ref(other.number)) }

      // Reports: the rep's backlog is its own; the manager's holds both.
      let backlog = try await RequestContext.$caller.withValue(u1) { try await stack.reports.backlog(.init()).orders }
      #expect(backlog.map(\.number) == [own.number])
      try await RequestContext.$caller.withValue(manager) { () async throws in
        let all = try await stack.reports.backlog(.init()).orders
        #expect(Set(all.map(\.number)) == [own.number, other.number])
        #expect(try await stack.orders.getOrder(ref(other.number)).customerID == theirs)
        var list = Erp_Sales_V1_ListOrdersRequest()
        list.customerID = theirs
        #expect(try await stack.orders.listOrders(list).orders.map(\.number) == [other.number])
        list.ownerID = u1.id
        #expect(try await stack.orders.listOrders(list).orders.isEmpty)
      }
    }
  }
}

import ERPProtos
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@testable import Gateway

/// The record rule end to end, as a person meets it: two reps signed in with a custom role
/// limited to their own records, and a manager with the built-in `sales` role, each calling the
/// gateway with their session like the console or a partner's app would.
@Suite("Gateway: a signed-in rep sees only their own records")
struct StaffRecordRulesTests {
  @Test(
    "A rep with the own-records rule never sees another rep's customer: search, list, get, a report, Customer360"
  )
  func ownRecordsThroughSessions() async throws {
    try await GatewayHarness.run(variables: GatewayHarness.staffVariables) { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffown")
      var role = Erp_Gateway_V1_PutRoleRequest()
      role.role.name = "sales_own"
      role.role.scopes = ["customers:write", "sales:write"]
      role.role.ownRecordsOnly = true
      _ = try await gateway.users.putRole(role, metadata: GatewayHarness.session(admin))
      let rep1 = try await gateway.member(
        tenant,
        admin: admin,
        "rep1@example.com",
        roles: ["sales_own"]
      )
      let rep2 = try await gateway.member(
        tenant,
        admin: admin,
        "rep2@example.com",
        roles: ["sales_own"]
      )
      let lead = try await gateway.member(
        tenant,
        admin: admin,
        "lead@example.com",
        roles: ["sales"]
      )

      func create(_ token: String, _ name: String) async throws -> Erp_Customers_V1_Customer {
        var request = Erp_Customers_V1_CreateCustomerRequest()
        request.requestID = "own-\(name)"
        request.customer.kind = .organisation
        request.customer.name = name
        return try await gateway.customers.createCustomer(
          request,
          metadata: GatewayHarness.session(token)
        )
      }
      let mine = try await create(rep1.token, "مؤسسة الواحة للتجارة")
      let theirs = try await create(rep2.token, "شركة النخيل للتجارة")
      // What a user creates is theirs.
      #expect(mine.ownerID == "user:\(rep1.user)")
      #expect(theirs.ownerID == "user:\(rep2.user)")

      func search(_ token: String, _ query: String) async throws -> [String] {
        var request = Erp_Customers_V1_SearchCustomersRequest()
        request.query = query
        return try await gateway.customers.searchCustomers(
          request,
          metadata: GatewayHarness.session(token)
        ).results.map(\.customer.id).sorted()
      }
      func list(_ token: String) async throws -> [String] {
        try await gateway.customers.listCustomers(
          .init(),
          metadata: GatewayHarness.session(token)
        ).customers.map(\.id).sorted()
      }
      func newCustomers(_ token: String) async throws -> Int64 {
        var period = Erp_Customers_V1_PeriodRequest()
        period.from = .with {
          $0.year = 2000; $0.month = 1; $0.day = 1
        }
        period.to = .with {
          $0.year = 2100; $0.month = 12; $0.day = 31
        }
        return try await Erp_Customers_V1_Insights.Client(wrapping: gateway.client)
          .newCustomers(period, metadata: GatewayHarness.session(token))
          .months.reduce(0) { $0 + Int64($1.count) }
      }
      func view(_ token: String, _ id: String) async throws -> Erp_Gateway_V1_Customer360View {
        var request = Erp_Gateway_V1_Customer360Request()
        request.customerID = id
        return try await Erp_Gateway_V1_Views.Client(wrapping: gateway.client)
          .customer360(request, metadata: GatewayHarness.session(token))
      }

      // The rep: only their own, whatever the door into the data.
      #expect(try await search(rep1.token, "للتجارة") == [mine.id])
      #expect(try await search(rep1.token, "النخيل").isEmpty)
      #expect(try await list(rep1.token) == [mine.id])
      #expect(try await newCustomers(rep1.token) == 1)
      let hidden = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.getCustomer(
          .with { $0.id = theirs.id },
          metadata: GatewayHarness.session(rep1.token)
        )
      }
      #expect(hidden?.code == .notFound)
      let hiddenView = await #expect(throws: RPCError.self) {
        _ = try await view(rep1.token, theirs.id)
      }
      #expect(hiddenView?.code == .notFound)
      #expect(try await view(rep1.token, mine.id).profile.id == mine.id)

      // The manager's role has no rule: both reps' customers.
      #expect(try await search(lead.token, "للتجارة") == [mine.id, theirs.id].sorted())
      #expect(try await list(lead.token) == [mine.id, theirs.id].sorted())
      #expect(try await newCustomers(lead.token) == 2)
      #expect(try await view(lead.token, theirs.id).profile.id == theirs.id)

      // Each rep's creation is in the audit trail under the user, with the record it made; the
      // refused get of another's customer is there too, with its outcome.
      try await eventually("the reps' calls are in the audit trail") {
        let rows = try await gateway.gatewayPool.withSession { session in
          try await session.query(
            """
            SELECT key_id, method, record_id, code FROM gateway.audit
            WHERE tenant_id = $1 AND key_id LIKE 'user:%' ORDER BY id
            """,
            [tenant]
          ).map {
            [
              try $0.decode("key_id", as: String.self), try $0.decode("method", as: String.self),
              try $0.decode("record_id", as: String.self), try $0.decode("code", as: String.self),
            ]
          }
        }
        let create = "erp.customers.v1.Customers/CreateCustomer"
        let get = "erp.customers.v1.Customers/GetCustomer"
        return rows.contains(["user:\(rep1.user)", create, mine.id, "OK"])
          && rows.contains(["user:\(rep2.user)", create, theirs.id, "OK"])
          && rows.contains { $0[0] == "user:\(rep1.user)" && $0[1] == get && $0[3] != "OK" }
      }
    }
  }
}

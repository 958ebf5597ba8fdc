import ERPProtos
import ERPRuntime
import ERPTestSupport
import GRPCCore
import Testing

/// Answers refused after the key is known (another tenant, a missing scope, an origin the key
/// does not allow) carry the key's bucket like every other answer: partners pace themselves by
/// `x-ratelimit-*` whatever the outcome. The refusal takes no token.
@Suite("Rate-limit headers on refusals of a known key")
struct RefusalRateLimitTests {
  @Test("wrong tenant, scope and origin: x-ratelimit-* over ERPT and JSON, no token taken")
  func refusalsCarryTheBucket() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("rlr")
      let other = try await gateway.tenant("rls")
      let key = try await gateway.key(tenant, scopes: ["customers:read"], rate: 1, burst: 5)
      let partner = GatewayHarness.partner(key.secret)

      // ERPT: a scope the key lacks (CreateCustomer needs customers:write), another tenant.
      var create = Erp_Customers_V1_CreateCustomerRequest()
      create.requestID = "rl-1"
      create.customer.kind = .organisation
      create.customer.name = "مؤسسة"
      let scope = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.createCustomer(create, metadata: partner)
      }
      #expect(scope?.code == .permissionDenied)
      #expect(scope?.metadata.firstString("x-ratelimit-limit") == "5")
      #expect(scope?.metadata.firstString("x-ratelimit-remaining") == "5")
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "x"
      let foreign = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.searchCustomers(
          search,
          metadata: GatewayHarness.partner(key.secret, tenant: other)
        )
      }
      #expect(foreign?.code == .permissionDenied)
      #expect(foreign?.metadata.firstString("x-ratelimit-limit") == "5")
      #expect(foreign?.metadata.firstString("x-ratelimit-remaining") == "5")

      // JSON: the same refusals as HTTP headers, and an origin the key does not allow.
      let json = try await JSONClient.of(gateway)
      let wrongScope = try await json.post(
        "/erp.customers.v1.Customers/CreateCustomer",
        #"{"requestId":"rl-2","customer":{"name":"مؤسسة"}}"#,
        key: key.secret
      )
      #expect(wrongScope.status == 403)
      #expect(wrongScope.header("X-RateLimit-Limit") == "5")
      #expect(wrongScope.header("X-RateLimit-Remaining") == "5")
      let wrongOrigin = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: key.secret,
        headers: [("origin", "https://elsewhere.example")]
      )
      #expect(wrongOrigin.status == 403)
      #expect(wrongOrigin.message.contains("origin"))
      #expect(wrongOrigin.header("X-RateLimit-Limit") == "5")
      let wrongTenant = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: key.secret,
        headers: [("x-erp-tenant", other)]
      )
      #expect(wrongTenant.status == 403)
      #expect(wrongTenant.header("X-RateLimit-Remaining") == "5")

      // An accepted call takes the token the refusals did not.
      let served = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: key.secret
      )
      #expect(served.status == 200)
      #expect(served.header("X-RateLimit-Remaining") == "4")
    }
  }
}

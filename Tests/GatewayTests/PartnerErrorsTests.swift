import ERPProtos
import ERPRuntime
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("Gateway: what partners see of failures and of guessed keys")
struct PartnerErrorsTests {
  @Test("a stopped service is named, never its address or the transport's error")
  func stoppedServiceIsNamed() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwe")
      let key = try await gateway.key(tenant).secret
      let customer = try await gateway.createCustomer(key, "عميل قبل التوقف")
      let customers = try #require(gateway.servers["customers"])
      await customers.stop()
      let failed = await #expect(throws: RPCError.self) {
        _ = try await gateway.getCustomer(key, customer.id)
      }
      #expect(failed?.code == .unavailable)
      let message = failed?.message ?? ""
      #expect(message.contains("customers"))
      #expect(!message.contains("127.0.0.1"))
      #expect(!message.contains("Connection"))
      #expect(!message.contains(String(customers.port)))
      try await customers.start()
    }
  }

  @Test("random keys from one address are limited, then answered with a retry-after hint")
  func unknownKeysLimited() async throws {
    try await GatewayHarness.run { gateway in
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "x"
      var codes: [RPCError.Code] = []
      var retryAfter: Int?
      for attempt in 0..<60 {
        do {
          _ = try await gateway.customers.searchCustomers(
            search,
            metadata: GatewayHarness.partner("erpk_guess_\(attempt)_\(UUID())")
          )
          Issue.record("a guessed key was accepted")
        } catch let error as RPCError {
          codes.append(error.code)
          if error.code == .resourceExhausted {
            retryAfter = error.metadata.firstString("retry-after-ms").flatMap(Int.init)
          }
        }
      }
      #expect(codes.prefix(5).allSatisfy { $0 == .unauthenticated })
      #expect(codes.contains(.resourceExhausted))
      #expect((retryAfter ?? 0) > 0)
    }
  }
}

@Suite("Gateway: API keys are hashed in the process, compatible with the rows before")
struct ApiKeyHashingTests {
  @Test(
    "an issued key's stored hash is PostgreSQL's sha256 of it; a row hashed by PostgreSQL still authenticates"
  )
  func compatibleHashes() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwh")
      let issued = try await gateway.key(tenant)
      let same = try await gateway.gatewayPool.withSession { session in
        try await session.query(
          "SELECT secret_hash = sha256(convert_to($1, 'UTF8')) AS same FROM gateway.api_key WHERE id = $2",
          [issued.secret, issued.key.id]
        )[0].decode("same", as: Bool.self)
      }
      #expect(same)
      // A key written the old way, hashed by PostgreSQL.
      let secret = "erpk_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
      try await gateway.gatewayPool.withSession { session in
        try await session.query(
          """
          INSERT INTO gateway.api_key (id, tenant_id, name, secret_hash, scopes, rate_per_second, burst)
          VALUES ($1, $2, 'old', sha256(convert_to($3, 'UTF8')), ARRAY['customers:write'], 20, 40)
          """,
          ["key_old_\(UUID().uuidString.prefix(6))", tenant, secret]
        )
      }
      let created = try await gateway.createCustomer(secret, "مفتاح قديم")
      #expect(try await gateway.getCustomer(secret, created.id).name == "مفتاح قديم")
    }
  }
}

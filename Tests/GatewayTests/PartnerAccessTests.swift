import ERPProtos
import ERPRuntime
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("Gateway: partner keys, tenants and forwarding")
struct PartnerAccessTests {
  @Test("A key of tenant A never reads tenant B: forged metadata, guessed ids")
  func tenantIsolation() async throws {
    try await GatewayHarness.run { gateway in
      let a = try await gateway.tenant("gwa")
      let b = try await gateway.tenant("gwb")
      let keyA = try await gateway.key(a).secret
      let keyB = try await gateway.key(b).secret
      let mine = try await gateway.createCustomer(keyA, "مؤسسة ألف")
      #expect(try await gateway.getCustomer(keyA, mine.id).name == "مؤسسة ألف")
      // B guesses A's id: B's schema has no such customer.
      let guessed = await #expect(throws: RPCError.self) {
        _ = try await gateway.getCustomer(keyB, mine.id)
      }
      #expect(guessed?.code == .notFound)
      // A's key sent with B's tenant is refused outright.
      let forged = await #expect(throws: RPCError.self) {
        _ = try await gateway.createCustomer(keyA, "forged", tenant: b)
      }
      #expect(forged?.code == .permissionDenied)
      // Naming its own tenant is fine.
      _ = try await gateway.createCustomer(keyA, "own tenant named", tenant: a)
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "ألف"
      let found = try await gateway.customers.searchCustomers(
        search,
        metadata: GatewayHarness.partner(keyB)
      )
      #expect(found.results.isEmpty)
    }
  }

  @Test("Revoked, expired, unknown and out-of-scope keys, and suspended tenants, are refused")
  func refusals() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwr")
      let reader = try await gateway.key(tenant, scopes: ["customers:read"]).secret
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "x"
      _ = try await gateway.customers.searchCustomers(
        search,
        metadata: GatewayHarness.partner(reader)
      )
      let scope = await #expect(throws: RPCError.self) {
        _ = try await gateway.createCustomer(reader, "nope")
      }
      #expect(scope?.code == .permissionDenied)
      #expect(scope?.message.contains("customers:write") == true)
      let otherDomain = await #expect(throws: RPCError.self) {
        _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
          .listAccounts(.init(), metadata: GatewayHarness.partner(reader))
      }
      #expect(otherDomain?.code == .permissionDenied)

      let writer = try await gateway.key(tenant)
      _ = try await gateway.createCustomer(writer.secret, "قبل الإلغاء")
      var revoke = Erp_Gateway_V1_RevokeKeyRequest()
      revoke.id = writer.key.id
      #expect(
        try await gateway.keys.revokeKey(revoke, metadata: GatewayHarness.operatorCall).revoked
      )
      let revoked = await #expect(throws: RPCError.self) {
        _ = try await gateway.createCustomer(writer.secret, "after")
      }
      #expect(revoked?.code == .unauthenticated)
      #expect(revoked?.message.contains("revoked") == true)

      let expired = try await gateway.key(
        tenant,
        expiresAt: Int64(Date().timeIntervalSince1970) - 10
      ).secret
      let old = await #expect(throws: RPCError.self) {
        _ = try await gateway.createCustomer(expired, "late")
      }
      #expect(old?.code == .unauthenticated)
      let unknown = await #expect(throws: RPCError.self) {
        _ = try await gateway.createCustomer("erpk_guess", "x")
      }
      #expect(unknown?.code == .unauthenticated)
      let none = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.searchCustomers(search)
      }
      #expect(none?.code == .unauthenticated)

      var ref = Erp_Gateway_V1_TenantRef()
      ref.tenantID = tenant
      _ = try await gateway.tenants.suspendTenant(ref, metadata: GatewayHarness.operatorCall)
      let suspended = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.searchCustomers(
          search,
          metadata: GatewayHarness.partner(reader)
        )
      }
      #expect(suspended?.code == .permissionDenied)
      _ = try await gateway.tenants.resumeTenant(ref, metadata: GatewayHarness.operatorCall)
      _ = try await gateway.customers.searchCustomers(
        search,
        metadata: GatewayHarness.partner(reader)
      )

      let notOperator = await #expect(throws: RPCError.self) {
        _ = try await gateway.tenants.listTenants(.init())
      }
      #expect(notOperator?.code == .unauthenticated)
    }
  }

  @Test("Rate limits trip with a retry-after hint and recover")
  func rateLimits() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwl")
      let key = try await gateway.key(tenant, scopes: ["customers:read"], rate: 1, burst: 2).secret
      let search = {
        var search = Erp_Customers_V1_SearchCustomersRequest()
        search.query = "x"
        return search
      }()
      let metadata = GatewayHarness.partner(key)
      // Six calls at once against a bucket of two refilling at one a second: some are refused.
      let outcomes = await withTaskGroup(of: RPCError?.self) { group in
        for _ in 0..<6 {
          group.addTask {
            do {
              _ = try await gateway.customers.searchCustomers(search, metadata: metadata)
              return nil
            } catch let error as RPCError {
              return error
            } catch {
              return RPCError(code: .unknown, message: "\(error)")
            }
          }
        }
        return await group.reduce(into: [RPCError?]()) { $0.append($1) }
      }
      let limited = outcomes.compactMap { $0 }
      #expect(!limited.isEmpty)
      #expect(limited.allSatisfy { $0.code == .resourceExhausted })
      let wait = limited.first?.metadata.firstString("retry-after-ms").flatMap(Int.init)
      #expect((wait ?? 0) > 0)
      try await Task.sleep(for: .milliseconds(wait ?? 1_000))
      _ = try await gateway.customers.searchCustomers(search, metadata: metadata)
      // Partner calls are audited with their outcome.
      let audited = try await gateway.gatewayPool.withSession { session in
        try await session.query(
          "SELECT code FROM gateway.audit WHERE tenant_id = $1 ORDER BY id",
          [tenant]
        )
      }.map { try $0.decode("code", as: String.self) }
      #expect(audited.filter { $0 == "OK" }.count >= 2)
    }
  }

  @Test("Tenant creation resumes after a service failed part way")
  func creationResumes() async throws {
    try await GatewayHarness.run { gateway in
      let hr = try #require(gateway.servers["hr"])
      await hr.stop()
      var request = Erp_Gateway_V1_CreateTenantRequest()
      request.tenantID = TestDatabase.uniqueTenant("gwp").slug
      let failed = await #expect(throws: RPCError.self) {
        _ = try await gateway.tenants.createTenant(request, metadata: GatewayHarness.operatorCall)
      }
      #expect(failed?.code == .unavailable)
      #expect(failed?.message.contains("hr") == true)
      #expect(failed?.message.contains("127.0.0.1") == false)
      let partial = try await gateway.tenants.listTenants(
        .init(),
        metadata: GatewayHarness.operatorCall
      )
      .tenants.first { $0.tenantID == request.tenantID }
      #expect(partial?.status == .provisioning)
      #expect(partial?.provisionedServices.contains("hr") == false)
      try await hr.start()
      // Resuming is calling again; the gateway's connection to hr comes back within its
      // reconnection back-off, so the operator may need a few tries.
      var resumed: Erp_Gateway_V1_Tenant? = nil
      for _ in 0..<80 where resumed == nil {
        resumed = try? await gateway.tenants.createTenant(
          request,
          metadata: GatewayHarness.operatorCall
        )
        if resumed == nil { try await Task.sleep(for: .milliseconds(250)) }
      }
      let created = try #require(resumed)
      #expect(created.status == .active)
      #expect(created.provisionedServices.sorted() == ERPDomain.allCases.map(\.rawValue).sorted())

      var delete = Erp_Gateway_V1_DeleteTenantRequest()
      delete.tenantID = request.tenantID
      delete.confirmation = "yes"
      let unconfirmed = await #expect(throws: RPCError.self) {
        _ = try await gateway.tenants.deleteTenant(delete, metadata: GatewayHarness.operatorCall)
      }
      #expect(unconfirmed?.code == .failedPrecondition)
      delete.confirmation = "delete \(request.tenantID)"
      let deleted = try await gateway.tenants.deleteTenant(
        delete,
        metadata: GatewayHarness.operatorCall
      )
      #expect(deleted.deletedFrom.count == 5)
    }
  }

  @Test("Forwarding passes client streams through: a customer import over the gateway")
  func streamingForwarded() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gws")
      let key = try await gateway.key(tenant).secret
      let summary = try await gateway.customers.importCustomers(
        metadata: GatewayHarness.partner(key)
      ) { writer in
        for number in 1...3 {
          var row = Erp_Customers_V1_ImportRow()
          row.rowNumber = Int64(number)
          row.externalID = "legacy-\(number)"
          row.customer.kind = .organisation
          row.customer.name = "عميل \(number)"
          try await writer.write(row)
        }
      }
      #expect(summary.created == 3)
    }
  }
}

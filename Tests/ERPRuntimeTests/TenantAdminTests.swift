import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// TenantAdmin end to end: generated client → ERPTransport over TCP → service → PostgreSQL.
@Suite("TenantAdmin over the transport, on a real PostgreSQL")
struct TenantAdminTests {
  static let migrations = [
    Migration(
      version: 1,
      name: "notes",
      sql: "CREATE TABLE notes (id bigserial PRIMARY KEY, body text)"
    )
  ]

  /// Serves TenantAdmin on a free port and runs `body` with a generated client for it.
  private func withTenantAdmin(
    _ body: @Sendable (Erp_Common_V1_TenantAdmin.Client<ERPTransport.Client>) async throws -> Void
  ) async throws {
    let pool = try await TestDatabase.isolatedPool("erp_runtime_tenant_admin")
    try await withLoopbackServer(
      services: [TenantAdminService(service: "test", pool: pool, migrations: Self.migrations)]
    ) { client, _ in
      try await body(Erp_Common_V1_TenantAdmin.Client(wrapping: client))
    }
    await pool.shutdown()
  }

  @Test("provision, describe, migrate, list and deprovision a tenant")
  func lifecycle() async throws {
    let tenant = TestDatabase.uniqueTenant("adm")
    try await self.withTenantAdmin { admin in
      var provision = Erp_Common_V1_ProvisionTenantRequest()
      provision.tenantID = tenant.slug
      provision.requestID = "req-1"
      let info = try await admin.provision(provision)
      #expect(info.tenantID == tenant.slug)
      #expect(info.service == "test")
      #expect(info.schemaVersion == 1)
      #expect(info.latestVersion == 1)
      // A repeat changes nothing and answers the same.
      #expect(try await admin.provision(provision) == info)

      var describe = Erp_Common_V1_DescribeTenantRequest()
      describe.tenantID = tenant.slug
      #expect(try await admin.describe(describe).schemaVersion == 1)

      var migrate = Erp_Common_V1_MigrateTenantRequest()
      migrate.tenantID = tenant.slug
      #expect(try await admin.migrate(migrate).schemaVersion == 1)

      let listed = try await admin.list(Erp_Common_V1_ListTenantsRequest())
      #expect(listed.tenants.contains { $0.tenantID == tenant.slug })

      var deprovision = Erp_Common_V1_DeprovisionTenantRequest()
      deprovision.tenantID = tenant.slug
      deprovision.confirmTenantID = "oops"
      let refused = await #expect(throws: RPCError.self) {
        _ = try await admin.deprovision(deprovision)
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains("confirm_tenant_id") == true)
      deprovision.confirmTenantID = tenant.slug
      _ = try await admin.deprovision(deprovision)
      let gone = await #expect(throws: RPCError.self) { _ = try await admin.describe(describe) }
      #expect(gone?.code == .notFound)
    }
  }

  @Test("a hostile tenant id is INVALID_ARGUMENT naming the field")
  func hostileTenantID() async throws {
    try await self.withTenantAdmin { admin in
      var provision = Erp_Common_V1_ProvisionTenantRequest()
      provision.tenantID = "acme\"; DROP SCHEMA public; --"
      let error = await #expect(throws: RPCError.self) { _ = try await admin.provision(provision) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix("tenant_id:") == true)
    }
  }

  @Test("listing pages through every tenant exactly once")
  func paging() async throws {
    try await self.withTenantAdmin { admin in
      let tenants = (0..<7).map { _ in TestDatabase.uniqueTenant("pg") }
      for tenant in tenants {
        var provision = Erp_Common_V1_ProvisionTenantRequest()
        provision.tenantID = tenant.slug
        _ = try await admin.provision(provision)
      }
      var seen: [String] = []
      var request = Erp_Common_V1_ListTenantsRequest()
      request.page.pageSize = 3
      repeat {
        let page = try await admin.list(request)
        seen += page.tenants.map(\.tenantID)
        request.page.pageToken = page.page.nextPageToken
      } while !request.page.pageToken.isEmpty
      #expect(Set(tenants.map(\.slug)).isSubset(of: Set(seen)))
      #expect(seen.count == Set(seen).count)
      #expect(seen == seen.sorted())
    }
  }
}

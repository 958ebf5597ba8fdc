import ERPProtos
import ERPRuntime
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// The system the gateway tests (and the benchmarks) run on is production's: every catalog
/// service on its own runner, with the services' authentication in front of every domain.
@Suite("In-process system")
struct InProcessSystemTests {
  @Test("runs every catalog service, each refusing callers without the services' secret")
  func everyServiceAuthenticates() async throws {
    try await GatewayHarness.run { gateway in
      #expect(gateway.system.members.map(\.entry.name) == ServiceCatalog.all.map(\.name))
      let tenant = TestDatabase.uniqueTenant("sys")
      try await gateway.system.provision(tenant)
      for member in gateway.system.members where member.entry.name != "gateway" {
        let describe = Erp_Common_V1_DescribeTenantRequest.with { $0.tenantID = tenant.slug }
        // A caller without the secret: the harness used to serve domains without this check.
        let anonymous = GRPCClient(
          transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: member.port)])
        )
        let refused = try await withThrowingTaskGroup(of: Void.self) { group in
          group.addTask { try await anonymous.runConnections() }
          defer { anonymous.beginGracefulShutdown() }
          return await #expect(throws: RPCError.self) {
            _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: anonymous).describe(describe)
          }
        }
        #expect(refused?.code == .unauthenticated, "\(member.entry.name)")
        let info = try await gateway.system.withClient(member.entry.name) { client in
          try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).describe(describe)
        }
        #expect(info.service == member.entry.name)
        #expect(info.schemaVersion == info.latestVersion)
        #expect(info.latestVersion > 0)
      }
    }
  }
}

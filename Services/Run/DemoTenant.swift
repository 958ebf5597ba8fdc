import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import GRPCCore

/// Provisions the `demo` tenant in every running service through its `TenantAdmin` API, the
/// same way the gateway provisions any tenant. Provisioning is idempotent, so a second
/// `make run` finds it done.
enum DemoTenant {
  static let id = "demo"

  static func provision(in services: [ServiceEntry], portOffset: Int, secret: String) async throws {
    for service in services {
      let transport = ERPTransport.Client(
        targets: [.init(host: "127.0.0.1", port: service.defaultPort + portOffset)]
      )
      let client = GRPCClient(
        transport: transport,
        interceptors: [DownstreamInterceptor(secret: secret)]
      )
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await client.runConnections() }
        defer { client.beginGracefulShutdown() }
        let admin = Erp_Common_V1_TenantAdmin.Client(wrapping: client)
        var request = Erp_Common_V1_ProvisionTenantRequest()
        request.tenantID = Self.id
        let info = try await admin.provision(request)
        _ = info
      }
    }
  }
}

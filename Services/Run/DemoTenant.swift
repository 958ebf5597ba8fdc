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
      try await withServiceClient(port: service.defaultPort + portOffset, secret: secret) {
        client in
        var request = Erp_Common_V1_ProvisionTenantRequest()
        request.tenantID = Self.id
        _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)
      }
    }
  }
}

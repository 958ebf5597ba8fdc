import ERPProtos
import ERPRuntime
import GRPCCore

/// The `Views` API: partners' integrated views, in the key's tenant, within the key's scopes.
struct ViewsAPI: Erp_Gateway_V1_Views.SimpleServiceProtocol {
  let peers: PeerClients

  func customer360(
    request: Erp_Gateway_V1_Customer360Request,
    context: ServerContext
  ) async throws
    -> Erp_Gateway_V1_Customer360View
  {
    guard !request.customerID.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "customer_id: required")
    }
    return try await Customer360.view(
      Sections(peers: self.peers, scopes: GrantedScopes.current),
      customerID: request.customerID
    )
  }

  func tenantDashboard(
    request: Erp_Gateway_V1_TenantDashboardRequest,
    context: ServerContext
  )
    async throws -> Erp_Gateway_V1_TenantDashboardView
  {
    await TenantDashboard.view(Sections(peers: self.peers, scopes: GrantedScopes.current))
  }
}

/// The scopes of the key a partner call came with, for handlers that decide per section.
enum GrantedScopes {
  @TaskLocal static var current: Set<String> = []
}

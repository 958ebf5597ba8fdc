import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// A new tenant's first staff user (`erpctl tenants create … --admin-email`): invited with the
/// role admin. Only the first time: when the tenant has that user already (CreateTenant called
/// again), there is no new invitation, so the token is printed once.
enum FirstAdmin {
  static func invite(
    _ pool: ConnectionPool,
    _ request: Erp_Gateway_V1_CreateTenantRequest,
    settings: IdentitySettings
  ) async throws -> Erp_Gateway_V1_Invitation? {
    var invite = Erp_Gateway_V1_InviteUserRequest()
    invite.email = request.adminEmail
    let localPart = request.adminEmail.split(separator: "@").first.map(String.init) ?? "admin"
    invite.displayName = request.adminDisplayName.isEmpty ? localPart : request.adminDisplayName
    invite.roles = ["admin"]
    do {
      return try await mappingStoreErrors {
        try await StaffDirectory.invite(pool, tenant: request.tenantID, invite, settings: settings)
      }
    } catch let error as RPCError where error.code == .alreadyExists {
      return nil
    }
  }
}

import ERPClient
import ERPProtos
import GRPCCore

/// The demo tenant's staff (`make run` only; these known passwords are in no production
/// configuration): an admin, made with the tenant (`admin_email`), and a sales rep with the
/// custom role `sales_own` (the sales scopes, limited to the records the rep owns). Made the first
/// time only: a later run finds the admin invited already and changes nothing.
enum DemoStaff {
  static let admin = (email: "admin@demo.example", password: "Demo-Admin-2026!")
  static let rep = (email: "rep@demo.example", password: "Demo-Sales-2026!")

  static func ensure(
    gateway: String,
    operatorToken: String,
    json: String,
    output: LinePrinter
  )
    async throws
  {
    let invitation = try await GatewayConnection.with(
      address: gateway,
      operatorToken: operatorToken
    ) { erp in
      var create = Erp_Gateway_V1_CreateTenantRequest()
      create.tenantID = DemoTenant.id
      create.displayName = "Demo"
      create.adminEmail = Self.admin.email
      create.adminDisplayName = "مدير العرض"
      let tenant = try await erp.tenants.createTenant(create)
      return tenant.hasAdminInvitation ? tenant.adminInvitation : nil
    }
    if let invitation {
      let session = try await GatewayConnection.with(address: gateway) { erp in
        try await Self.accept(erp, invitation.token, Self.admin.password)
        return try await Self.signIn(erp, Self.admin.email, Self.admin.password)
      }
      try await GatewayConnection.with(address: gateway, apiKey: session) { erp in
        var role = Erp_Gateway_V1_PutRoleRequest()
        role.role.name = "sales_own"
        role.role.scopes = ["customers:write", "sales:write"]
        role.role.ownRecordsOnly = true
        _ = try await erp.users.putRole(role)
        var invite = Erp_Gateway_V1_InviteUserRequest()
        invite.email = Self.rep.email
        invite.displayName = "مندوب المبيعات"
        invite.language = "ar"
        invite.timeZone = "Asia/Riyadh"
        invite.roles = ["sales_own"]
        let invited = try await erp.users.inviteUser(invite)
        try await Self.accept(erp, invited.token, Self.rep.password)
      }
    }
    output.print("staff sign-in (demo passwords, for make run only):")
    output.print("  admin \(Self.admin.email) / \(Self.admin.password)  (role admin)")
    output.print(
      "  sales \(Self.rep.email) / \(Self.rep.password)  (role sales_own: own records only)"
    )
    output.print(
      "$ curl -s \(json)/erp.gateway.v1.Identity/SignIn -H 'x-erp-tenant: \(DemoTenant.id)' "
        + "-H 'Content-Type: application/json' "
        + "-d '{\"email\":\"\(Self.rep.email)\",\"password\":\"\(Self.rep.password)\"}'"
    )
    output.print(
      "  then 'Authorization: Bearer <sessionToken>' on any call, or erpctl --key <sessionToken>"
    )
  }

  private static func accept(
    _ erp: GatewayClients,
    _ token: String,
    _ password: String
  )
    async throws
  {
    var accept = Erp_Gateway_V1_AcceptInvitationRequest()
    accept.token = token
    accept.password = password
    _ = try await erp.identity.acceptInvitation(accept)
  }

  private static func signIn(
    _ erp: GatewayClients,
    _ email: String,
    _ password: String
  )
    async throws -> String
  {
    var request = Erp_Gateway_V1_SignInRequest()
    request.email = email
    request.password = password
    return try await erp.identity.signIn(
      request,
      metadata: ["x-erp-tenant": .string(DemoTenant.id)]
    ).sessionToken
  }
}

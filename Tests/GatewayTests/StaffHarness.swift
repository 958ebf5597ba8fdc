import ERPProtos
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@testable import Gateway

/// Staff accounts on the gateway harness: a tenant made with its first admin, users invited
/// and signed in, and the metadata of a session. Bcrypt runs at cost 4 here
/// (`ERP_BCRYPT_COST`), the lockout after 3 failures.
extension GatewayHarness {
  static let staffVariables = ["ERP_BCRYPT_COST": "4", "ERP_SIGNIN_MAX_FAILURES": "3"]
  static let adminPassword = "Sahara-Falcon-2026"

  var identity: Erp_Gateway_V1_Identity.Client<ERPTransport.Client> { .init(wrapping: self.client) }
  var users: Erp_Gateway_V1_Users.Client<ERPTransport.Client> { .init(wrapping: self.client) }

  static func session(_ token: String, tenant: String? = nil) -> Metadata {
    var metadata: Metadata = ["authorization": .string("Bearer \(token)")]
    if let tenant { metadata.addString(tenant, forKey: "x-erp-tenant") }
    return metadata
  }

  static func signingIn(_ tenant: String) -> Metadata { ["x-erp-tenant": .string(tenant)] }

  /// A new tenant made with `--admin-email`; answers the tenant and its admin's session token.
  func staffTenant(_ prefix: String) async throws -> (tenant: String, admin: String) {
    var request = Erp_Gateway_V1_CreateTenantRequest()
    request.tenantID = TestDatabase.uniqueTenant(prefix).slug
    request.displayName = "شركة \(prefix)"
    request.adminEmail = "Admin@Example.com"
    request.adminDisplayName = "مدير النظام"
    let tenant = try await self.tenants.createTenant(request, metadata: Self.operatorCall)
    try #require(!tenant.adminInvitation.token.isEmpty)
    try await self.accept(tenant.adminInvitation.token, Self.adminPassword)
    let admin = try await self.signIn(tenant.tenantID, "admin@example.com", Self.adminPassword)
    return (tenant.tenantID, admin.sessionToken)
  }

  @discardableResult
  func accept(_ token: String, _ password: String) async throws -> Erp_Gateway_V1_User {
    var accept = Erp_Gateway_V1_AcceptInvitationRequest()
    accept.token = token
    accept.password = password
    return try await self.identity.acceptInvitation(accept).user
  }

  func signIn(
    _ tenant: String,
    _ email: String,
    _ password: String,
    code: String = ""
  ) async throws -> Erp_Gateway_V1_SignInResponse {
    var request = Erp_Gateway_V1_SignInRequest()
    request.email = email
    request.password = password
    request.totpCode = code
    return try await self.identity.signIn(request, metadata: Self.signingIn(tenant))
  }

  func invite(
    _ admin: String,
    _ email: String,
    roles: [String]
  ) async throws -> Erp_Gateway_V1_Invitation {
    var invite = Erp_Gateway_V1_InviteUserRequest()
    invite.email = email
    invite.displayName = "Staff " + String(email.prefix { $0 != "@" })
    invite.language = "ar"
    invite.timeZone = "Asia/Riyadh"
    invite.roles = roles
    return try await self.users.inviteUser(invite, metadata: Self.session(admin))
  }

  /// A user of `roles`, invited, accepted and signed in: its session token and id.
  func member(
    _ tenant: String,
    admin: String,
    _ email: String,
    roles: [String]
  ) async throws -> (token: String, user: String) {
    let invitation = try await self.invite(admin, email, roles: roles)
    try await self.accept(invitation.token, "Desert-Rose-\(email.count)-x")
    let signed = try await self.signIn(tenant, email, "Desert-Rose-\(email.count)-x")
    return (signed.sessionToken, invitation.user.id)
  }
}

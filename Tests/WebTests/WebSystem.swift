import ERPClient
import ERPProtos
import ERPSystem
import ERPTestSupport
import Foundation
import GRPCCore
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Web

/// The console in front of a real system: every service and the gateway in this process
/// (``InProcessSystem``, a database each), the console calling the gateway over ERPT on
/// loopback, and a tenant with an admin and a sales rep limited to their own records (the
/// demo's `sales_own`), each signed in once so a test can make records as them.
struct WebSystem: Sendable {
  let clients: GatewayClients
  let console: WebConsole
  let tenant: String
  let admin: Staff
  let rep: Staff

  struct Staff: Sendable {
    var email: String
    var password: String
    /// A session of its own for the test's set-up calls (the console signs in separately).
    var session: String
  }

  static let operatorToken = "operator-token-for-web-tests"

  /// `secureCookies`: as behind TLS (the handler tests); off for a browser on plain HTTP.
  static func run<T: Sendable>(
    secureCookies: Bool = true,
    pageSize: Int32 = 25,
    _ body: @Sendable (WebSystem) async throws -> T
  ) async throws -> T {
    var options = InProcessSystem.Options { entry in
      try await TestDatabase.isolatedConninfo("web_\(entry.name)")
    }
    options.variables = ["ERP_OPERATOR_TOKEN": Self.operatorToken, "ERP_BCRYPT_COST": "4"]
    return try await InProcessSystem.run(options) { system in
      let address = "127.0.0.1:\(system["gateway"]!.port)"
      return try await GatewayConnection.with(address: address) { clients in
        var config = WebConsole.Config(
          secureCookies: secureCookies,
          key: [UInt8](repeating: 9, count: 32)
        )
        config.pageSize = pageSize
        let console = try WebConsole(
          config: config,
          gateway: ConsoleGateway(clients)
        )
        let (tenant, admin, rep) = try await Self.staff(clients)
        return try await body(
          WebSystem(clients: clients, console: console, tenant: tenant, admin: admin, rep: rep)
        )
      }
    }
  }

  /// A tenant made with its admin, the role `sales_own` and a rep holding it.
  static func staff(_ erp: GatewayClients) async throws -> (String, Staff, Staff) {
    var create = Erp_Gateway_V1_CreateTenantRequest()
    create.tenantID = TestDatabase.uniqueTenant("web").slug
    create.displayName = "شركة الاختبار"
    create.adminEmail = "admin@web.example"
    create.adminDisplayName = "مدير النظام"
    let made = try await erp.tenants.createTenant(
      create,
      metadata: ["x-erp-operator-token": .string(Self.operatorToken)]
    )
    let tenant = made.tenantID
    let adminPassword = "Sahara-Falcon-2026"
    try await Self.accept(erp, made.adminInvitation.token, adminPassword)
    let adminSession = try await Self.signIn(erp, tenant, "admin@web.example", adminPassword)

    var role = Erp_Gateway_V1_PutRoleRequest()
    role.role.name = "sales_own"
    role.role.scopes = ["customers:write", "sales:write"]
    role.role.ownRecordsOnly = true
    _ = try await erp.users.putRole(role, metadata: ConsoleGateway.session(adminSession))
    var invite = Erp_Gateway_V1_InviteUserRequest()
    invite.email = "rep@web.example"
    invite.displayName = "مندوب المبيعات"
    invite.language = "ar"
    invite.timeZone = "Asia/Riyadh"
    invite.roles = ["sales_own"]
    let invited = try await erp.users.inviteUser(
      invite,
      metadata: ConsoleGateway.session(adminSession)
    )
    let repPassword = "Desert-Rose-2026"
    try await Self.accept(erp, invited.token, repPassword)
    let repSession = try await Self.signIn(erp, tenant, "rep@web.example", repPassword)
    return (
      tenant,
      Staff(email: "admin@web.example", password: adminPassword, session: adminSession),
      Staff(email: "rep@web.example", password: repPassword, session: repSession)
    )
  }

  static func accept(_ erp: GatewayClients, _ token: String, _ password: String) async throws {
    var accept = Erp_Gateway_V1_AcceptInvitationRequest()
    accept.token = token
    accept.password = password
    _ = try await erp.identity.acceptInvitation(accept)
  }

  static func signIn(
    _ erp: GatewayClients,
    _ tenant: String,
    _ email: String,
    _ password: String
  ) async throws -> String {
    var request = Erp_Gateway_V1_SignInRequest()
    request.email = email
    request.password = password
    return try await erp.identity.signIn(request, metadata: ["x-erp-tenant": .string(tenant)])
      .sessionToken
  }

  /// The rep's two customers: one named with hostile HTML, and "مؤسسة الواحة للتجارة" with a
  /// call logged on its timeline.
  func repCustomers() async throws -> (
    hostile: Erp_Customers_V1_Customer, own: Erp_Customers_V1_Customer
  ) {
    let hostile = try await self.customer(self.rep, SignedInConsoleTests.hostile)
    let own = try await self.customer(self.rep, "مؤسسة الواحة للتجارة")
    var call = Erp_Customers_V1_LogInteractionRequest()
    call.requestID = "web-call-\(own.id)"
    call.interaction.customerID = own.id
    call.interaction.kind = .call
    call.interaction.occurredAt = .init(date: Date())
    call.interaction.subject = "اتصال تعريفي بالعميل"
    _ = try await self.clients.interactions.logInteraction(
      call,
      metadata: ConsoleGateway.session(self.rep.session)
    )
    return (hostile, own)
  }

  /// A customer made by `staff` (who then owns it).
  func customer(_ staff: Staff, _ name: String) async throws -> Erp_Customers_V1_Customer {
    var request = Erp_Customers_V1_CreateCustomerRequest()
    request.requestID = "web-\(name.utf8.count)-\(name.hashValue)"
    request.customer.kind = .organisation
    request.customer.name = name
    return try await self.clients.customers.createCustomer(
      request,
      metadata: ConsoleGateway.session(staff.session)
    )
  }
}

/// A browser's cookies over HummingbirdTesting's client: what `Set-Cookie` sets (and `Max-Age=0`
/// deletes) goes back on the next request, as a browser would send it.
struct Browser {
  var cookies: [String: String] = [:]
  /// Every `Set-Cookie` line seen, for the tests of their attributes.
  var setCookies: [String] = []

  var cookieHeader: String {
    self.cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
  }

  mutating func keep(_ response: TestResponse) {
    for line in response.headers[values: .setCookie] {
      self.setCookies.append(line)
      let pair = line.split(separator: ";").first.map(String.init) ?? ""
      let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
      guard let name = parts.first else { continue }
      let value = parts.count > 1 ? parts[1] : ""
      if line.contains("Max-Age=0") || value.isEmpty {
        self.cookies[name] = nil
      } else {
        self.cookies[name] = value
      }
    }
  }

  mutating func get(
    _ client: some TestClientProtocol,
    _ uri: String,
    language: String = "ar"
  ) async throws -> (status: HTTPResponse.Status, location: String?, html: String) {
    var headers: HTTPFields = [.acceptLanguage: language]
    if !self.cookies.isEmpty { headers[.cookie] = self.cookieHeader }
    let response = try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
    self.keep(response)
    return (response.status, response.headers[.location], String(buffer: response.body))
  }

  mutating func post(
    _ client: some TestClientProtocol,
    _ uri: String,
    _ fields: [(String, String)]
  ) async throws -> (status: HTTPResponse.Status, location: String?, html: String) {
    var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
    if !self.cookies.isEmpty { headers[.cookie] = self.cookieHeader }
    let body = fields.map { "\($0.0)=\(Self.encoded($0.1))" }.joined(separator: "&")
    let response = try await client.execute(
      uri: uri,
      method: .post,
      headers: headers,
      body: ByteBuffer(string: body)
    )
    self.keep(response)
    return (response.status, response.headers[.location], String(buffer: response.body))
  }

  static func encoded(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
  }

  /// Signs in through the console's form (the token from the sign-in page).
  mutating func signIn(
    _ client: some TestClientProtocol,
    tenant: String,
    _ staff: WebSystem.Staff,
    password: String? = nil
  ) async throws -> (status: HTTPResponse.Status, location: String?, html: String) {
    let page = try await self.get(client, "/signin")
    let token = try #require(ConsolePageTests.hiddenValue("csrf", in: page.html))
    return try await self.post(
      client,
      "/signin",
      [
        ("csrf", token), ("tenant", tenant), ("email", staff.email),
        ("password", password ?? staff.password), ("totp", ""),
      ]
    )
  }
}

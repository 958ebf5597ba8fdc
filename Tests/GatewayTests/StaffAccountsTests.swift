import ERPProtos
import ERPRuntime
import ERPTestSupport
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import HummingbirdOTP
import Testing

@testable import Gateway

/// Staff accounts through the whole system: sign-in, lockout, TOTP, sessions on every door,
/// built-in roles, tenants and invitations (identity.proto).
@Suite("Gateway: staff users, sign-in, sessions and roles")
struct StaffAccountsTests {
  static func run(_ body: @Sendable (GatewayHarness) async throws -> Void) async throws {
    try await GatewayHarness.run(variables: GatewayHarness.staffVariables, body)
  }

  @Test(
    "Sign-in: the right password opens a session; a wrong one and an unknown email get one answer"
  )
  func signInRightAndWrong() async throws {
    try await Self.run { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffsign")
      let me = try await gateway.identity.me(.init(), metadata: GatewayHarness.session(admin))
      #expect(me.user.email == "admin@example.com")
      #expect(me.user.displayName == "مدير النظام")
      #expect(me.user.roles == ["admin"])
      #expect(me.scopes.contains("admin") && me.scopes.contains("customers:write"))

      let wrong = await #expect(throws: RPCError.self) {
        _ = try await gateway.signIn(tenant, "admin@example.com", "not-the-password-at-all")
      }
      let unknown = await #expect(throws: RPCError.self) {
        _ = try await gateway.signIn(tenant, "nobody@example.com", GatewayHarness.adminPassword)
      }
      #expect(wrong?.code == .unauthenticated)
      #expect(wrong?.code == unknown?.code && wrong?.message == unknown?.message)
      #expect(wrong?.message == "email or password is wrong")

      // Sign-in names its tenant: without one there is nothing to sign in to.
      var request = Erp_Gateway_V1_SignInRequest()
      request.email = "admin@example.com"
      request.password = GatewayHarness.adminPassword
      let untenanted = await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.signIn(request)
      }
      #expect(untenanted?.code == .invalidArgument)
      #expect(untenanted?.message.contains("x-erp-tenant") == true)

      // Sign-ins and failed sign-ins are audited.
      try await eventually("the sign-ins are in the audit log") {
        let codes = try await gateway.gatewayPool.withSession { session in
          try await session.query(
            "SELECT code FROM gateway.audit WHERE tenant_id = $1 AND method = $2",
            [tenant, SignIn.method]
          ).map { try $0.decode("code", as: String.self) }
        }
        return codes.filter { $0 == "OK" }.count == 1
          && codes.filter { $0 == "UNAUTHENTICATED" }.count == 2
      }
    }
  }

  @Test("Three failures lock the email (known or not) until the lockout has passed")
  func lockoutAndUnlock() async throws {
    try await Self.run { gateway in
      let (tenant, _) = try await gateway.staffTenant("stafflock")
      for email in ["admin@example.com", "ghost@example.com"] {
        for _ in 0..<3 {
          await #expect(throws: RPCError.self) {
            _ = try await gateway.signIn(tenant, email, "wrong-password-guess")
          }
        }
        // Locked now, even with the right password; the same answer for a user and for none.
        let locked = await #expect(throws: RPCError.self) {
          _ = try await gateway.signIn(tenant, email, GatewayHarness.adminPassword)
        }
        #expect(locked?.code == .resourceExhausted)
        #expect(locked?.message.contains("locked after 3 failed attempts until 20") == true)
        let wait = locked?.metadata.firstString("retry-after-ms").flatMap(Int.init) ?? 0
        #expect(wait > 14 * 60 * 1000 && wait <= 15 * 60 * 1000)
      }
      // Fifteen minutes later (the tenant's clock moved, nobody waits) it signs in again.
      IdentityClock.shared.advance(tenant, by: 15 * 60 + 1)
      let signed = try await gateway.signIn(
        tenant,
        "admin@example.com",
        GatewayHarness.adminPassword
      )
      #expect(signed.sessionToken.hasPrefix("erps_"))
    }
  }

  @Test("TOTP: enrolment, sign-in with a code, and single-use recovery codes")
  func totp() async throws {
    try await Self.run { gateway in
      let (tenant, admin) = try await gateway.staffTenant("stafftotp")
      let session = GatewayHarness.session(admin)
      let enrolled = try await gateway.identity.enrollTotp(.init(), metadata: session)
      #expect(enrolled.otpauthUri.hasPrefix("otpauth://totp/"))
      #expect(enrolled.otpauthUri.contains("secret=\(enrolled.secretBase32)"))
      let authenticator = TOTP(secret: enrolled.secret)
      func code() -> String {
        let digits = String(authenticator.compute(date: IdentityClock.shared.now(tenant)))
        return String(repeating: "0", count: 6 - digits.count) + digits
      }
      var wrongCode = Erp_Gateway_V1_ConfirmTotpRequest()
      wrongCode.code = code() == "000000" ? "111111" : "000000"
      await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.confirmTotp(wrongCode, metadata: session)
      }
      var confirm = Erp_Gateway_V1_ConfirmTotpRequest()
      confirm.code = code()
      let recovery = try await gateway.identity.confirmTotp(confirm, metadata: session)
        .recoveryCodes
      #expect(recovery.count == 10 && Set(recovery).count == 10)

      let email = "admin@example.com"
      let password = GatewayHarness.adminPassword
      let missing = await #expect(throws: RPCError.self) {
        _ = try await gateway.signIn(tenant, email, password)
      }
      #expect(missing?.code == .unauthenticated)
      #expect(missing?.message.contains("totp_code") == true)
      let withCode = try await gateway.signIn(tenant, email, password, code: code())
      #expect(withCode.user.totpEnabled)
      _ = try await gateway.signIn(tenant, email, password, code: recovery[3])
      let reused = await #expect(throws: RPCError.self) {
        _ = try await gateway.signIn(tenant, email, password, code: recovery[3])
      }
      #expect(reused?.code == .unauthenticated)
      #expect(reused?.message.contains("totp_code") == true)
    }
  }

  @Test(
    "A revoked session, a signed-out one and a deactivated user are refused at once on every door"
  )
  func revokedSessionOnEveryDoor() async throws {
    try await Self.run { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffdoor")
      let json = try await JSONClient.of(gateway)
      let door = try #require(gateway.system["gateway"]?.door(HTTP2Door.self))
      let http2Port = try await door.listeningPort
      try await withGRPCClient(
        transport: try .http2NIOPosix(
          target: .ipv4(address: "127.0.0.1", port: http2Port),
          transportSecurity: .plaintext
        )
      ) { http2 in
        let (rep, repID) = try await gateway.member(
          tenant,
          admin: admin,
          "rep@example.com",
          roles: ["sales"]
        )
        let search = Erp_Customers_V1_SearchCustomersRequest.with { $0.query = "x" }
        /// Each door's answer to a search with the session: "OK" or the status code's name.
        @Sendable func doors(_ token: String) async -> [String: String] {
          let metadata = GatewayHarness.session(token)
          var answers: [String: String] = [:]
          do {
            _ = try await gateway.customers.searchCustomers(search, metadata: metadata)
            answers["erpt"] = "OK"
          } catch { answers["erpt"] = (error as? RPCError).map { "\($0.code)" } ?? "\(error)" }
          do {
            _ = try await Erp_Customers_V1_Customers.Client(wrapping: http2)
              .searchCustomers(search, metadata: metadata)
            answers["http2"] = "OK"
          } catch { answers["http2"] = (error as? RPCError).map { "\($0.code)" } ?? "\(error)" }
          let answer = try? await json.post(
            "/erp.customers.v1.Customers/SearchCustomers",
            #"{"query":"x"}"#,
            key: token
          )
          answers["json"] = answer?.status == 200 ? "OK" : answer?.code ?? "no answer"
          return answers
        }
        let open = ["erpt": "OK", "http2": "OK", "json": "OK"]
        let refused = [
          "erpt": "\(RPCError.Code.unauthenticated)", "http2": "\(RPCError.Code.unauthenticated)",
          "json": "unauthenticated",
        ]
        #expect(await doors(rep) == open)

        // The admin revokes the rep's session: its very next call fails on every door.
        let sessions = try await gateway.users.listSessions(
          .with { $0.userID = repID },
          metadata: GatewayHarness.session(admin)
        ).sessions
        try #require(sessions.count == 1)
        _ = try await gateway.users.revokeSession(
          .with { $0.sessionID = sessions[0].id },
          metadata: GatewayHarness.session(admin)
        )
        #expect(await doors(rep) == refused)

        // Signing out ends a session too.
        let second = try await gateway.signIn(tenant, "rep@example.com", "Desert-Rose-15-x")
        #expect(await doors(second.sessionToken) == open)
        _ = try await gateway.identity.signOut(
          .init(),
          metadata: GatewayHarness.session(second.sessionToken)
        )
        #expect(await doors(second.sessionToken) == refused)

        // Deactivation ends every session of the user, and signing in again is refused.
        let third = try await gateway.signIn(tenant, "rep@example.com", "Desert-Rose-15-x")
        let deactivated = try await gateway.users.deactivateUser(
          .with { $0.userID = repID },
          metadata: GatewayHarness.session(admin)
        )
        #expect(deactivated.deactivated && !deactivated.active)
        #expect(await doors(third.sessionToken) == refused)
        await #expect(throws: RPCError.self) {
          _ = try await gateway.signIn(tenant, "rep@example.com", "Desert-Rose-15-x")
        }
      }
    }
  }

  @Test(
    "Each built-in role is refused outside its scopes, naming the scope; a session never crosses tenants"
  )
  func builtInRoles() async throws {
    try await Self.run { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffrole")
      let other = try await gateway.tenant("staffother")
      let create = Erp_Customers_V1_CreateCustomerRequest.with {
        $0.requestID = "role-check"
        $0.customer.kind = .organisation
        $0.customer.name = "مؤسسة الاختبار"
      }
      let refusals:
        [(role: String, scope: String, call: @Sendable (Metadata) async throws -> Void)] = [
          (
            "sales", "hr:read",
            {
              _ = try await Erp_Hr_V1_Payroll.Client(wrapping: gateway.client).getSettings(
                .init(),
                metadata: $0
              )
            }
          ),
          (
            "accountant", "supplychain:write",
            {
              _ = try await Erp_Supplychain_V1_Catalog.Client(wrapping: gateway.client)
                .createWarehouse(.init(), metadata: $0)
            }
          ),
          (
            "warehouse", "finance:read",
            {
              _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client).listAccounts(
                .init(),
                metadata: $0
              )
            }
          ),
          (
            "hr", "customers:read",
            { _ = try await gateway.customers.searchCustomers(.init(), metadata: $0) }
          ),
          (
            "viewer", "customers:write",
            { _ = try await gateway.customers.createCustomer(create, metadata: $0) }
          ),
          ("sales", "admin", { _ = try await gateway.users.listUsers(.init(), metadata: $0) }),
        ]
      for (index, refusal) in refusals.enumerated() {
        let member = try await gateway.member(
          tenant,
          admin: admin,
          "\(refusal.role)\(index)@example.com",
          roles: [refusal.role]
        )
        let error = await #expect(throws: RPCError.self, "\(refusal.role)") {
          try await refusal.call(GatewayHarness.session(member.token))
        }
        #expect(error?.code == .permissionDenied, "\(refusal.role)")
        #expect(error?.message == "the user lacks the scope \(refusal.scope)", "\(refusal.role)")
      }
      // Inside its scopes the role works: the viewer reads.
      let viewer = try await gateway.member(
        tenant,
        admin: admin,
        "reader@example.com",
        roles: ["viewer"]
      )
      _ = try await gateway.customers.searchCustomers(
        .with { $0.query = "x" },
        metadata: GatewayHarness.session(viewer.token)
      )
      // The admin's session with another tenant named: refused, not served for either.
      let crossed = await #expect(throws: RPCError.self) {
        _ = try await gateway.customers.searchCustomers(
          .with { $0.query = "x" },
          metadata: GatewayHarness.session(admin, tenant: other)
        )
      }
      #expect(crossed?.code == .permissionDenied)
      #expect(crossed?.message.contains("this session belongs to another tenant") == true)

      // A custom role limited to own records tells so (the rule the services enforce).
      var role = Erp_Gateway_V1_Role()
      role.name = "sales_own"
      role.scopes = ["customers:write", "sales:write"]
      role.ownRecordsOnly = true
      _ = try await gateway.users.putRole(
        .with { $0.role = role },
        metadata: GatewayHarness.session(admin)
      )
      let own = try await gateway.member(
        tenant,
        admin: admin,
        "own@example.com",
        roles: ["sales_own"]
      )
      let me = try await gateway.identity.me(.init(), metadata: GatewayHarness.session(own.token))
      #expect(me.ownRecordsOnly)
      #expect(Set(me.scopes) == ["customers:write", "sales:write"])
      let adminMe = try await gateway.identity.me(.init(), metadata: GatewayHarness.session(admin))
      #expect(!adminMe.ownRecordsOnly)
    }
  }

  @Test("Invitations expire and are single use; common and short passwords are refused by field")
  func invitationsAndPasswords() async throws {
    try await Self.run { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffinv")
      let first = try await gateway.invite(admin, "Sara@Example.com", roles: ["accountant"])
      #expect(first.user.email == "sara@example.com" && !first.user.active)
      #expect(first.token.hasPrefix("erpi_"))
      let duplicate = await #expect(throws: RPCError.self) {
        _ = try await gateway.invite(admin, "sara@example.com", roles: ["viewer"])
      }
      #expect(duplicate?.code == .alreadyExists)

      let common = await #expect(throws: RPCError.self) {
        try await gateway.accept(first.token, "Qwertyuiop")
      }
      #expect(common?.code == .invalidArgument)
      #expect(common?.message.hasPrefix("password: one of the 1,000 most common") == true)
      let short = await #expect(throws: RPCError.self) {
        try await gateway.accept(first.token, "short1")
      }
      #expect(short?.message == "password: at least 10 characters")

      let accepted = try await gateway.accept(first.token, "Palm-Grove-Oasis-9")
      #expect(accepted.active)
      let again = await #expect(throws: RPCError.self) {
        try await gateway.accept(first.token, "Another-Password-77")
      }
      #expect(again?.code == .unauthenticated)
      #expect(again?.message == "token: unknown, already used or expired")

      // Bad fields are named.
      var bad = Erp_Gateway_V1_InviteUserRequest()
      bad.email = "x@example.com"
      bad.displayName = "Иван"
      let script = await #expect(throws: RPCError.self) {
        _ = try await gateway.users.inviteUser(bad, metadata: GatewayHarness.session(admin))
      }
      #expect(script?.message.hasPrefix("display_name:") == true)
      bad.displayName = "x"
      bad.timeZone = "Mars/Olympus"
      let zone = await #expect(throws: RPCError.self) {
        _ = try await gateway.users.inviteUser(bad, metadata: GatewayHarness.session(admin))
      }
      #expect(zone?.message.hasPrefix("time_zone:") == true)

      // An invitation not accepted in 72 hours has expired.
      let late = try await gateway.invite(admin, "late@example.com", roles: ["viewer"])
      IdentityClock.shared.advance(tenant, by: 72 * 3600 + 1)
      let expired = await #expect(throws: RPCError.self) {
        try await gateway.accept(late.token, "Palm-Grove-Oasis-9")
      }
      #expect(expired?.code == .unauthenticated)
    }
  }

  @Test("Identity and Users declare their reads in the contract; the open methods exist")
  func declared() throws {
    let services = ERPCatalog.edge.filter {
      [IdentityScope.identityService, IdentityScope.usersService]
        .contains($0.descriptor.fullyQualifiedService)
    }
    #expect(services.count == 2)
    let reads = services.flatMap(\.methods).filter(\.readOnly).map(\.descriptor.method)
    #expect(Set(reads) == ["Me", "ListMySessions", "ListUsers", "ListRoles", "ListSessions"])
    let identity = try #require(
      services.first { $0.descriptor.fullyQualifiedService == IdentityScope.identityService }
    )
    #expect(IdentityScope.open.isSubset(of: Set(identity.methods.map(\.descriptor.method))))
    // Every scope a role may name is one a key may carry, `admin` among them.
    #expect(StaffRole.builtIns.allSatisfy { $0.scopes.isSubset(of: ApiKeyStore.scopes) })
    #expect(ApiKeyStore.scopes.contains(StaffRole.adminScope))
  }

  @Test("A user's record rule: own records only when every role granting the domain is so limited")
  func recordRule() {
    let own = StaffRole(
      name: "sales_own",
      scopes: ["customers:write", "sales:write"],
      ownRecordsOnly: true
    )
    let viewer = StaffRole.builtInByName["viewer"]!
    #expect(RoleGrant(roles: [own]).ownRecordsOnly(.customers))
    #expect(!RoleGrant(roles: [own, viewer]).ownRecordsOnly(.customers))
    #expect(!RoleGrant(roles: [own]).ownRecordsOnly(.finance))
    #expect(!RoleGrant(roles: [StaffRole.builtInByName["sales"]!]).ownRecordsOnly(.customers))
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@testable import Gateway

/// What a user does with their own account, and an admin with a user's: sessions listed and
/// revoked, a password changed, reset by the admin's token, roles listed and replaced; and a
/// service's record history read directly, as the gateway's `Audit.History` does.
@Suite("Gateway: staff self-service and administration")
struct StaffSelfServiceTests {
  @Test("Sessions listed and revoked, a password changed and reset, roles listed and replaced")
  func sessionsPasswordsRoles() async throws {
    try await GatewayHarness.run(variables: GatewayHarness.staffVariables) { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffself")
      let adminCall = GatewayHarness.session(admin)
      let member = try await gateway.member(
        tenant,
        admin: admin,
        "clerk@example.com",
        roles: ["viewer"]
      )
      let password = "Desert-Rose-\("clerk@example.com".count)-x"

      // Roles: the built-in ones are listed; replacing the member's roles changes its scopes on
      // its next call.
      let roles = try await gateway.users.listRoles(.init(), metadata: adminCall).roles
      #expect(
        Set(roles.filter(\.builtIn).map(\.name))
          == ["admin", "sales", "accountant", "warehouse", "hr", "viewer"]
      )
      let before = try await gateway.identity.me(
        .init(),
        metadata: GatewayHarness.session(member.token)
      )
      #expect(!before.scopes.contains("finance:write"))
      let changed = try await gateway.users.setUserRoles(
        .with {
          $0.userID = member.user
          $0.roles = ["accountant"]
        },
        metadata: adminCall
      )
      #expect(changed.roles == ["accountant"])
      let after = try await gateway.identity.me(
        .init(),
        metadata: GatewayHarness.session(member.token)
      )
      #expect(after.scopes.contains("finance:write"))

      // A second sign-in is a second session; the user revokes the first one.
      let second = try await gateway.signIn(tenant, "clerk@example.com", password)
      let sessions = try await gateway.identity.listMySessions(
        .init(),
        metadata: GatewayHarness.session(second.sessionToken)
      ).sessions
      #expect(sessions.count == 2)
      #expect(sessions.filter(\.current).map(\.id) == [second.sessionID])
      let first = try #require(sessions.first { !$0.current })
      _ = try await gateway.identity.revokeMySession(
        .with { $0.sessionID = first.id },
        metadata: GatewayHarness.session(second.sessionToken)
      )
      let revoked = await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.me(.init(), metadata: GatewayHarness.session(member.token))
      }
      #expect(revoked?.code == .unauthenticated)

      // Changing the password needs the current one and ends the other sessions.
      let third = try await gateway.signIn(tenant, "clerk@example.com", password)
      let wrongCurrent = await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.changePassword(
          .with {
            $0.currentPassword = "not-the-current-one"
            $0.newPassword = "Oasis-Lantern-4471"
          },
          metadata: GatewayHarness.session(second.sessionToken)
        )
      }
      #expect(wrongCurrent?.code != nil)
      _ = try await gateway.identity.changePassword(
        .with {
          $0.currentPassword = password
          $0.newPassword = "Oasis-Lantern-4471"
        },
        metadata: GatewayHarness.session(second.sessionToken)
      )
      let ended = await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.me(
          .init(),
          metadata: GatewayHarness.session(third.sessionToken)
        )
      }
      #expect(ended?.code == .unauthenticated)
      _ = try await gateway.signIn(tenant, "clerk@example.com", "Oasis-Lantern-4471")

      // The admin's reset token sets a new password once; the old one no longer signs in.
      let reset = try await gateway.users.requestPasswordReset(
        .with { $0.userID = member.user },
        metadata: adminCall
      )
      #expect(reset.token.hasPrefix("erpr_"))
      _ = try await gateway.identity.resetPassword(
        .with {
          $0.token = reset.token
          $0.newPassword = "Minaret-Compass-9013"
        }
      )
      let reused = await #expect(throws: RPCError.self) {
        _ = try await gateway.identity.resetPassword(
          .with {
            $0.token = reset.token
            $0.newPassword = "Another-Pass-77120"
          }
        )
      }
      #expect(reused?.code != nil)
      let old = await #expect(throws: RPCError.self) {
        _ = try await gateway.signIn(tenant, "clerk@example.com", "Oasis-Lantern-4471")
      }
      #expect(old?.code == .unauthenticated)
      _ = try await gateway.signIn(tenant, "clerk@example.com", "Minaret-Compass-9013")
    }
  }

  @Test("A service's record history, read as the gateway reads it, holds a user's update")
  func recordHistoryDirect() async throws {
    try await GatewayHarness.run(variables: GatewayHarness.staffVariables) { gateway in
      let (tenant, admin) = try await gateway.staffTenant("staffhist")
      var create = Erp_Customers_V1_CreateCustomerRequest()
      create.requestID = "hist-1"
      create.customer.kind = .organisation
      create.customer.name = "مؤسسة السجل"
      let made = try await gateway.customers.createCustomer(
        create,
        metadata: GatewayHarness.session(admin)
      )
      try await gateway.system.withClients(
        ["customers"],
        tenant: try TenantID(validating: tenant)
      ) { clients in
        let history = Erp_Common_V1_RecordHistory.Client(wrapping: clients["customers"]!)
        let entries = try await history.listHistory(
          .with {
            $0.recordType = "customer"
            $0.recordID = made.id
          }
        ).entries
        #expect(entries.map(\.event) == ["created"])
        #expect(entries.first?.callerID.hasPrefix("user:") == true)
      }
    }
  }
}

import BenchmarkStack
import BenchmarkSupport
import ERPClient
import ERPProtos
import Foundation
import GRPCCore

/// Staff sessions: sign-ins a second at the configured bcrypt cost (the gateway's default, 12),
/// and the same forwarded GetCustomer with a session token and with an API key, in alternating
/// rounds on one connection each. The last line is the session / key p50 ratio (target ≤ 1.1):
/// both are read through the gateway's cache (``GrantCache``), a session with its expiry checks
/// and the roles' scopes and record rule on top.
enum SessionBench {
  static let password = "Bench-Staff-Password-1"

  static func run(
    _ stack: ServiceStack,
    gatewayPort: Int,
    key: String,
    customer: String,
    calls: Int
  ) async throws {
    let address = "127.0.0.1:\(gatewayPort)"
    let invitation = try await GatewayConnection.with(
      address: address,
      operatorToken: ServiceStack.operatorToken
    ) { erp in
      var create = Erp_Gateway_V1_CreateTenantRequest()
      create.tenantID = stack.tenant.slug
      create.adminEmail = "bench@example.com"
      return try await erp.tenants.createTenant(create).adminInvitation
    }
    let tenant: Metadata = ["x-erp-tenant": .string(stack.tenant.slug)]
    let token = try await GatewayConnection.with(address: address) { erp in
      var accept = Erp_Gateway_V1_AcceptInvitationRequest()
      accept.token = invitation.token
      accept.password = Self.password
      _ = try await erp.identity.acceptInvitation(accept)
      var signIn = Erp_Gateway_V1_SignInRequest()
      signIn.email = "bench@example.com"
      signIn.password = Self.password
      var token = try await erp.identity.signIn(signIn, metadata: tenant).sessionToken
      let count = 10
      let start = ContinuousClock.now
      for _ in 0..<count {
        token = try await erp.identity.signIn(signIn, metadata: tenant).sessionToken
      }
      let seconds = Measure.seconds(start.duration(to: .now))
      say(
        "sign-ins at bcrypt cost 12, sequential: \(Measure.format(Double(count) / seconds)) a second"
      )
      return token
    }
    var request = Erp_Customers_V1_GetCustomerRequest()
    request.id = customer
    let get = request
    try await GatewayConnection.with(address: address, apiKey: key) { byKey in
      try await GatewayConnection.with(address: address, apiKey: token) { bySession in
        var keyed: [Double] = []
        var sessioned: [Double] = []
        for round in 0..<(calls + 20) {
          for (client, index) in [(byKey, 0), (bySession, 1)] {
            let start = ContinuousClock.now
            _ = try await client.customers.getCustomer(get)
            let sample = Measure.seconds(start.duration(to: .now))
            if round >= 20 {
              if index == 0 { keyed.append(sample) } else { sessioned.append(sample) }
            }
          }
        }
        let key50 = Measure.percentile(keyed, 0.5)
        let session50 = Measure.percentile(sessioned, 0.5)
        say(
          "forwarded GetCustomer p50: key \(Measure.format(key50 / 1000)) ms, "
            + "session \(Measure.format(session50 / 1000)) ms"
        )
        say("session/key p50 latency ratio: \(Measure.format(session50 / key50)) (target ≤ 1.1)")
      }
    }
  }
}

import ERPClient
import ERPProtos
import ERPTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

/// A key's allowed origins (CORS at the JSON door) set where keys are issued: erpctl's
/// `keys create … --allowed-origin` (repeatable) and the client library's `issueKey`.
@Suite("Allowed origins from erpctl and the client library")
struct AllowedOriginsTests {
  @Test("erpctl keys create --allowed-origin twice; the origins are the key's, and work")
  func erpctl() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("aoe")
      let erpctl = try Subprocess.builtProduct("erpctl")
      let asOperator = [
        "--address", "127.0.0.1:\(gateway.port)", "--operator-token", GatewayHarness.operatorToken,
      ]
      let created = try await Subprocess.run(
        erpctl,
        [
          "keys", "create", tenant, "--scopes", "customers:read", "--name", "متصفح",
          "--allowed-origin", "https://app.example.com", "--allowed-origin",
          "http://localhost:5173", "--json",
        ] + asOperator
      )
      #expect(created.status == 0, "\(created.stderr)")
      let issued = try Erp_Gateway_V1_IssuedKey(jsonString: created.stdout)
      #expect(
        Set(issued.key.allowedOrigins) == ["https://app.example.com", "http://localhost:5173"]
      )
      let listed = try await Subprocess.run(erpctl, ["keys", "list", tenant] + asOperator)
      #expect(listed.stdout.contains("https://app.example.com"))

      let bad = try await Subprocess.run(
        erpctl,
        [
          "keys", "create", tenant, "--scopes", "customers:read", "--allowed-origin",
          "not-an-origin",
        ]
          + asOperator
      )
      #expect(bad.status != 0)
      #expect((bad.stderr + bad.stdout).contains("allowed_origins"))

      let json = try await JSONClient.of(gateway)
      let allowed = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: issued.secret,
        headers: [("origin", "http://localhost:5173")]
      )
      #expect(allowed.status == 200, "\(allowed.text)")
      #expect(allowed.header("access-control-allow-origin") == "http://localhost:5173")
    }
  }

  @Test("GatewayClients.issueKey(allowedOrigins:) issues a key a page of that origin may use")
  func clientLibrary() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("aoc")
      let issued = try await GatewayConnection.with(
        address: "127.0.0.1:\(gateway.port)",
        operatorToken: GatewayHarness.operatorToken
      ) { erp in
        try await erp.issueKey(
          tenant: tenant,
          name: "لوحة",
          scopes: ["customers:read"],
          allowedOrigins: ["https://console.example.com"]
        )
      }
      #expect(issued.key.allowedOrigins == ["https://console.example.com"])
      let json = try await JSONClient.of(gateway)
      let allowed = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: issued.secret,
        headers: [("origin", "https://console.example.com")]
      )
      #expect(allowed.status == 200)
      let other = try await json.post(
        "/erp.customers.v1.Customers/SearchCustomers",
        #"{"query":"x"}"#,
        key: issued.secret,
        headers: [("origin", "https://app.example.com")]
      )
      #expect(other.status == 403)
    }
  }
}

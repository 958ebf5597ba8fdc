import ERPProtos
import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@testable import Gateway

/// Subscriptions cannot point the gateway into its own network: private, loopback, link-local
/// and metadata addresses are refused at creation and again at each delivery, unless the
/// operator allows private targets (`ERP_WEBHOOK_ALLOW_PRIVATE=1`, which the tests' loopback
/// receivers need; off by default).
@Suite("Webhooks: endpoints on private addresses are refused")
struct WebhookTargetTests {
  @Test("the address ranges: private, loopback, link-local, metadata refused; public allowed")
  func ranges() {
    for address in [
      "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "127.8.9.1",
      "169.254.169.254", "0.0.0.0", "100.100.100.200", "::1", "::", "fc00::1", "fd12:3456::1",
      "fe80::1", "febf::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1", "ff02::1", "224.0.0.1",
    ] {
      #expect(WebhookTarget.isPrivate(Self.bytes(address)), "\(address)")
    }
    for address in [
      "8.8.8.8", "93.184.216.34", "172.32.0.1", "172.15.255.255", "192.169.0.1", "11.0.0.1",
      "2001:4860:4860::8888", "::ffff:8.8.8.8", "fec0::1",
    ] {
      #expect(!WebhookTarget.isPrivate(Self.bytes(address)), "\(address)")
    }
  }

  @Test("creation refuses private hosts by name and by number, naming the field only")
  func refusedAtCreation() async throws {
    try await GatewayHarness.run(variables: ["ERP_WEBHOOK_ALLOW_PRIVATE": "0"]) { gateway in
      let (_, key) = try await gateway.webhookTenant("whpriv")
      let partner = GatewayHarness.partner(key)
      for url in [
        "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook",
        "http://169.254.169.254/latest/meta-data", "https://10.0.0.7/hook",
        "http://192.168.0.10/hook", "http://172.20.1.1/hook", "http://0.0.0.0/hook",
        "http://[fe80::1]/hook", "http://[fd00::5]/hook",
      ] {
        var request = Erp_Gateway_V1_CreateSubscriptionRequest()
        request.requestID = "priv-\(url)"
        request.url = url
        request.eventTypes = ["customer.created"]
        let error = await #expect(throws: RPCError.self) {
          _ = try await gateway.webhooks.createSubscription(request, metadata: partner)
        }
        #expect(error?.code == .invalidArgument, "\(url)")
        #expect(
          error?.message
            == "url: the host resolves to a private, loopback, link-local or metadata address",
          "\(url): \(error?.message ?? "")"
        )
      }
      // A public address by number needs no lookup and is accepted.
      var request = Erp_Gateway_V1_CreateSubscriptionRequest()
      request.requestID = "public"
      request.url = "https://93.184.216.34/hook"
      request.eventTypes = ["customer.created"]
      let created = try await gateway.webhooks.createSubscription(request, metadata: partner)
      #expect(created.secret.hasPrefix("whsec_"))
    }
  }

  @Test("a delivery to an endpoint that is now private is not sent, and says why")
  func refusedAtDelivery() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.run(
        variables: [
          "ERP_WEBHOOK_ALLOW_PRIVATE": "0", "ERP_WEBHOOK_BACKOFF_BASE_MS": "20",
          "ERP_WEBHOOK_BACKOFF_CAP_MS": "200",
        ]
      ) { gateway in
        let (_, key) = try await gateway.webhookTenant("whrebind")
        // Accepted while the endpoint was public, then pointed at the receiver on loopback,
        // as a name re-pointed after the check would be.
        var request = Erp_Gateway_V1_CreateSubscriptionRequest()
        request.requestID = "rebind"
        request.url = "https://93.184.216.34/hook"
        request.eventTypes = ["customer.created"]
        let created = try await gateway.webhooks.createSubscription(
          request,
          metadata: GatewayHarness.partner(key)
        )
        try await gateway.gatewayPool.withSession { session in
          try await session.query(
            "UPDATE gateway.webhook_subscription SET url = $2 WHERE id = $1",
            [created.subscription.id, receiver.url("/rebound")]
          )
        }
        _ = try await gateway.createCustomer(key, "مؤسسة الارتداد")
        try await eventually("the attempts are recorded as not sent") {
          let rows = try await gateway.gatewayPool.withSession { session in
            try await session.query(
              """
              SELECT a.error FROM gateway.webhook_attempt a
              JOIN gateway.webhook_delivery d ON d.id = a.delivery_id
              WHERE d.subscription_id = $1
              """,
              [created.subscription.id]
            )
          }
          let errors = try rows.map { try $0.decode("error", as: String.self) }
          return errors.count >= 2
            && errors.allSatisfy {
              $0 == "not sent: the host resolves to a private, loopback, link-local or "
                + "metadata address"
            }
        }
        #expect(receiver.received(at: "/rebound").isEmpty)
      }
    }
  }

  static func bytes(_ text: String) -> [UInt8] {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    Issue.record("not an address: \(text)")
    return []
  }
}

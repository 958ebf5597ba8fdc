import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// The partner API's checks: the URL, the event types, the scopes, the secret shown once.
@Suite("Webhooks: the partner API refuses bad input and keys without the scope")
struct WebhookAPITests {
  @Test("URL and event types are checked, naming the field; the secret is shown once")
  func validation() async throws {
    try await GatewayHarness.withWebhooks { gateway in
      let (_, key) = try await gateway.webhookTenant("whapi")
      let partner = GatewayHarness.partner(key)
      for (url, why) in [
        ("ftp://example.com/hook", "url: must be http or https"),
        ("https://user:pw@example.com/hook", "url: must not carry user information"),
        ("not a url", "url: "), ("https:///nohost", "url: "),
        ("https://example.com/" + String(repeating: "a", count: 3000), "url: at most 2048"),
      ] {
        var request = Erp_Gateway_V1_CreateSubscriptionRequest()
        request.requestID = "bad-\(url.prefix(20))"
        request.url = url
        request.eventTypes = ["customer.created"]
        let error = await #expect(throws: RPCError.self) {
          _ = try await gateway.webhooks.createSubscription(request, metadata: partner)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix(why) == true, "\(url): \(error?.message ?? "")")
        #expect(error.map { !$0.message.contains("pw@") && $0.message.count < 200 } == true)
      }
      var request = Erp_Gateway_V1_CreateSubscriptionRequest()
      request.requestID = "types"
      request.url = "https://example.com/hook"
      request.eventTypes = ["customer.created", "customer.exploded"]
      let error = await #expect(throws: RPCError.self) {
        _ = try await gateway.webhooks.createSubscription(request, metadata: partner)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix("event_types[1]: \"customer.exploded\"") == true)

      request.eventTypes = ["order.shipped", "order.confirmed"]
      let first = try await gateway.webhooks.createSubscription(request, metadata: partner)
      #expect(first.secret.hasPrefix("whsec_"))
      #expect(first.subscription.eventTypes == ["order.confirmed", "order.shipped"])
      #expect(first.subscription.description_p.isEmpty)
      let again = try await gateway.webhooks.createSubscription(request, metadata: partner)
      #expect(again.subscription.id == first.subscription.id)
      #expect(again.secret.isEmpty)
      let listed = try await gateway.webhooks.listSubscriptions(.init(), metadata: partner)
      #expect(listed.subscriptions.map(\.id) == [first.subscription.id])

      var delete = Erp_Gateway_V1_DeleteSubscriptionRequest()
      delete.id = first.subscription.id
      _ = try await gateway.webhooks.deleteSubscription(delete, metadata: partner)
      let empty = try await gateway.webhooks.listSubscriptions(.init(), metadata: partner)
      #expect(empty.subscriptions.isEmpty)
    }
  }

  @Test("webhooks:read lists but cannot change; a key without a webhooks scope cannot list")
  func scopes() async throws {
    try await GatewayHarness.withWebhooks { gateway in
      let tenant = try await gateway.tenant("whscope")
      let reader = GatewayHarness.partner(
        try await gateway.key(tenant, scopes: ["webhooks:read"]).secret
      )
      let other = GatewayHarness.partner(
        try await gateway.key(tenant, scopes: ["customers:write"]).secret
      )
      _ = try await gateway.webhooks.listSubscriptions(.init(), metadata: reader)
      var request = Erp_Gateway_V1_CreateSubscriptionRequest()
      request.requestID = "r"
      request.url = "https://example.com/hook"
      request.eventTypes = ["customer.created"]
      let refused = await #expect(throws: RPCError.self) {
        _ = try await gateway.webhooks.createSubscription(request, metadata: reader)
      }
      #expect(refused?.code == .permissionDenied)
      #expect(refused?.message == "the key lacks the scope webhooks:write")
      let unscoped = await #expect(throws: RPCError.self) {
        _ = try await gateway.webhooks.listSubscriptions(.init(), metadata: other)
      }
      #expect(unscoped?.code == .permissionDenied)
      #expect(unscoped?.message == "the key lacks the scope webhooks:read")
      // The services' door is not a partner's: an API key does not open it.
      let publish = await #expect(throws: RPCError.self) {
        _ = try await Erp_Gateway_V1_Events.Client(wrapping: gateway.client)
          .publishEvent(.init(), metadata: reader)
      }
      #expect(publish?.code == .unauthenticated)
    }
  }
}

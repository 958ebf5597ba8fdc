import ERPProtos
import ERPRuntime
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// What the webhook tests share: a harness whose back-off is milliseconds, a tenant with a key
/// for webhooks and the domains, a subscription.
extension GatewayHarness {
  /// The gateway with a back-off of 20 ms doubling to 200 ms, so retries come at once.
  static func withWebhooks<T: Sendable>(
    _ body: @Sendable (GatewayHarness) async throws -> T
  ) async throws -> T {
    try await Self.run(
      variables: [
        "ERP_WEBHOOK_BACKOFF_BASE_MS": "20", "ERP_WEBHOOK_BACKOFF_CAP_MS": "200",
        "ERP_WEBHOOK_TIMEOUT_MS": "5000",
      ],
      body
    )
  }

  var webhooks: Erp_Gateway_V1_Webhooks.Client<ERPTransport.Client> {
    .init(wrapping: self.client)
  }

  /// A tenant and the secret of a key that may use webhooks, customers and finance.
  func webhookTenant(_ prefix: String) async throws -> (tenant: String, key: String) {
    let tenant = try await self.tenant(prefix)
    let key = try await self.key(
      tenant,
      scopes: ["webhooks:write", "customers:write", "finance:write"]
    )
    return (tenant, key.secret)
  }

  func subscribe(
    _ key: String,
    url: String,
    types: [String]
  ) async throws -> Erp_Gateway_V1_CreatedSubscription {
    var request = Erp_Gateway_V1_CreateSubscriptionRequest()
    request.requestID = "sub-\(url)"
    request.url = url
    request.eventTypes = types
    request.description_p = "اختبار"
    return try await self.webhooks.createSubscription(request, metadata: Self.partner(key))
  }

  func deliveries(_ key: String, _ subscription: String) async throws -> [Erp_Gateway_V1_Delivery] {
    var request = Erp_Gateway_V1_ListDeliveriesRequest()
    request.subscriptionID = subscription
    return try await self.webhooks.listDeliveries(request, metadata: Self.partner(key)).deliveries
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore
import SwiftProtobuf
import Testing

/// Webhooks end to end: the domain services write events to their outbox with the change, the
/// relay hands them to the gateway, and the gateway POSTs them, signed, to a real HTTP endpoint
/// in the test.
@Suite("Webhooks: signed deliveries of the tenant's domain events")
struct WebhookDeliveryTests {
  @Test("every delivery is signed; each event comes once per id despite forced redeliveries")
  func signedOncePerID() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let (tenant, key) = try await gateway.webhookTenant("whsign")
        let created = try await gateway.subscribe(
          key,
          url: receiver.url("/hooks"),
          types: ["customer.created", "customer.updated", "invoice.issued"]
        )
        #expect(created.secret.hasPrefix("whsec_"))
        #expect(created.subscription.eventTypes.count == 3)
        let customer = try await gateway.createCustomer(key, "مؤسسة الأمل")
        try await eventually("customer.created arrives") {
          receiver.received(at: "/hooks").contains { $0.type == "customer.created" }
        }
        let first = try #require(receiver.received(at: "/hooks").first)
        #expect(first.tenant == tenant)
        #expect(first.data["name"] as? String == "مؤسسة الأمل")
        #expect(first.data["id"] as? String == customer.id)
        #expect(first.id.hasPrefix("evt_"))

        // The customers service's outbox delivers the event again (as after a crash): the
        // gateway knows its id and queues nothing.
        let customers = try #require(gateway.system["customers"])
        let slug = try TenantID(validating: tenant)
        try await customers.pool.tenantQuery(
          slug,
          "UPDATE outbox SET delivered_at = NULL WHERE topic = 'gateway.event'"
        )
        let relay = try #require(customers.worker(OutboxRelay.self))
        #expect(await relay.deliverPending(slug) == 0)
        let results = try await customers.pool.tenantQuery(
          slug,
          "SELECT result FROM outbox WHERE topic = 'gateway.event'"
        ).map { try $0.decode("result", as: String.self) }
        #expect(results == ["0 deliveries"])

        // A redelivery asked by the partner: the same id and body again.
        let delivery = try #require(
          try await gateway.deliveries(key, created.subscription.id).first
        )
        #expect(delivery.eventID == first.id)
        #expect(delivery.status == .delivered)
        var redeliver = Erp_Gateway_V1_RedeliverRequest()
        redeliver.deliveryID = delivery.id
        _ = try await gateway.webhooks.redeliver(redeliver, metadata: GatewayHarness.partner(key))
        try await eventually("the redelivery arrives") {
          receiver.received(at: "/hooks").filter { $0.id == first.id }.count == 2
        }

        // A second fact, from another service, through the same subscription.
        var base = Erp_Finance_V1_SetBaseCurrencyRequest()
        base.currencyCode = "KWD"
        _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
          .setBaseCurrency(base, metadata: GatewayHarness.partner(key))
        var invoice = Erp_Finance_V1_IssueInvoiceRequest()
        invoice.requestID = "wh-invoice-1"
        invoice.direction = .receivable
        invoice.partyID = customer.id
        invoice.currencyCode = "KWD"
        invoice.issueDate = CalendarDate(year: 2026, month: 11, day: 1).proto
        var line = Erp_Finance_V1_InvoiceLine()
        line.description_p = "استشارات"
        line.quantityMilli = 1_000
        line.unitPriceMinor = 12_345
        line.taxCode = "STD"
        invoice.lines = [line]
        let issued = try await Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
          .issueInvoice(invoice, metadata: GatewayHarness.partner(key))
        try await eventually("invoice.issued arrives") {
          receiver.received(at: "/hooks").contains { $0.type == "invoice.issued" }
        }

        let all = receiver.received(at: "/hooks")
        for request in all {
          #expect(request.signed(with: created.secret), "unsigned: \(request.id)")
          #expect(!request.signed(with: "whsec_" + "AAAA"), "accepts any key")
          #expect(request.tenant == tenant)
        }
        let invoiceEvent = try #require(all.first { $0.type == "invoice.issued" })
        #expect(invoiceEvent.data["number"] as? String == issued.number)
        // One id per fact; the redelivery carried the same id and the very same body.
        let byID = Dictionary(grouping: all, by: \.id)
        #expect(Set(all.map(\.type)) == ["customer.created", "invoice.issued"])
        #expect(
          Dictionary(grouping: all, by: \.type).mapValues { Set($0.map(\.id)).count }
            == ["customer.created": 1, "invoice.issued": 1]
        )
        #expect(Set(byID[first.id]!.map(\.body)).count == 1)
      }
    }
  }

  @Test("an endpoint answering 500 is retried until it answers 200; 410 disables the subscription")
  func retriesAndGone() async throws {
    // /flaky answers 500 to the first two attempts of each event, /gone always 410.
    try await WebhookReceiver.run(answer: { request, earlier in
      request.path == "/gone" ? 410 : (earlier < 2 ? 500 : 200)
    }) { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let (_, key) = try await gateway.webhookTenant("whretry")
        let partner = GatewayHarness.partner(key)
        let flaky = try await gateway.subscribe(
          key,
          url: receiver.url("/flaky"),
          types: ["customer.created"]
        )
        let gone = try await gateway.subscribe(
          key,
          url: receiver.url("/gone"),
          types: ["customer.created"]
        )
        var test = Erp_Gateway_V1_SendTestEventRequest()
        test.subscriptionID = flaky.subscription.id
        let queued = try await gateway.webhooks.sendTestEvent(test, metadata: partner)
        #expect(queued.eventType == "webhook.test")
        try await eventually("the test event is delivered on its third attempt") {
          try await gateway.deliveries(key, flaky.subscription.id).first?.status == .delivered
        }
        let delivery = try #require(try await gateway.deliveries(key, flaky.subscription.id).first)
        #expect(delivery.attempts.map(\.httpStatus) == [500, 500, 200])
        #expect(delivery.attempts.map(\.attempt) == [1, 2, 3])
        #expect(delivery.attempts.last?.responseExcerpt == "answered 200 to attempt 3")
        #expect(
          receiver.received(at: "/flaky").map(\.id) == Array(repeating: queued.eventID, count: 3)
        )
        #expect(receiver.received(at: "/flaky").allSatisfy { $0.signed(with: flaky.secret) })

        test.subscriptionID = gone.subscription.id
        _ = try await gateway.webhooks.sendTestEvent(test, metadata: partner)
        try await eventually("the 410 disables the subscription") {
          let listed = try await gateway.webhooks.listSubscriptions(.init(), metadata: partner)
          return listed.subscriptions.first { $0.id == gone.subscription.id }?.disabled == true
        }
        let listed = try await gateway.webhooks.listSubscriptions(.init(), metadata: partner)
        let disabled = try #require(listed.subscriptions.first { $0.id == gone.subscription.id })
        #expect(disabled.disabledReason == "the endpoint answered 410 Gone")
        #expect(try await gateway.deliveries(key, gone.subscription.id).first?.status == .failed)

        // A new event: the flaky endpoint gets it (after its retries), the gone one never.
        _ = try await gateway.createCustomer(key, "Gone Ltd")
        try await eventually("customer.created is delivered to /flaky") {
          receiver.received(at: "/flaky").filter { $0.type == "customer.created" }.count == 3
        }
        #expect(receiver.received(at: "/gone").count == 1)
        #expect(try await gateway.deliveries(key, gone.subscription.id).count == 1)
      }
    }
  }

  @Test("a subscription only ever receives its own tenant's events")
  func tenantIsolation() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let a = try await gateway.webhookTenant("whisoa")
        let b = try await gateway.webhookTenant("whisob")
        let subscriptionA = try await gateway.subscribe(
          a.key,
          url: receiver.url("/a"),
          types: ["customer.created"]
        )
        let subscriptionB = try await gateway.subscribe(
          b.key,
          url: receiver.url("/b"),
          types: ["customer.created"]
        )
        for index in 0..<3 {
          _ = try await gateway.createCustomer(b.key, "عميل ب \(index)")
          _ = try await gateway.createCustomer(a.key, "عميل أ \(index)")
        }
        try await eventually("each endpoint has its tenant's three customers") {
          receiver.received(at: "/a").count == 3 && receiver.received(at: "/b").count == 3
        }
        for request in receiver.received(at: "/a") {
          #expect(request.tenant == a.tenant)
          #expect((request.data["name"] as? String)?.hasPrefix("عميل أ") == true)
          #expect(request.signed(with: subscriptionA.secret))
          #expect(!request.signed(with: subscriptionB.secret))
        }
        for request in receiver.received(at: "/b") {
          #expect(request.tenant == b.tenant)
          #expect((request.data["name"] as? String)?.hasPrefix("عميل ب") == true)
        }
        // Tenant A's key cannot see, test or delete B's subscription.
        let partnerA = GatewayHarness.partner(a.key)
        let listed = try await gateway.webhooks.listSubscriptions(.init(), metadata: partnerA)
        #expect(listed.subscriptions.map(\.id) == [subscriptionA.subscription.id])
        let hidden = await #expect(throws: RPCError.self) {
          _ = try await gateway.deliveries(a.key, subscriptionB.subscription.id)
        }
        #expect(hidden?.code == .notFound)
        var delete = Erp_Gateway_V1_DeleteSubscriptionRequest()
        delete.id = subscriptionB.subscription.id
        let refused = await #expect(throws: RPCError.self) {
          _ = try await gateway.webhooks.deleteSubscription(delete, metadata: partnerA)
        }
        #expect(refused?.code == .notFound)
      }
    }
  }

  @Test("an event written while the gateway is down arrives after it returns")
  func gatewayDown() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let (tenant, key) = try await gateway.webhookTenant("whdown")
        _ = try await gateway.subscribe(
          key,
          url: receiver.url("/down"),
          types: ["customer.created"]
        )
        let member = try #require(gateway.system["gateway"])
        await member.stop()
        // Written at the customers service directly (the partner's door is shut).
        let slug = try TenantID(validating: tenant)
        let created = try await gateway.system.withClients(["customers"], tenant: slug) { clients in
          var request = Erp_Customers_V1_CreateCustomerRequest()
          request.requestID = "while-down"
          request.customer.kind = .organisation
          request.customer.name = "شركة الغياب"
          return try await Erp_Customers_V1_Customers.Client(wrapping: clients["customers"]!)
            .createCustomer(request)
        }
        let customers = try #require(gateway.system["customers"])
        try await eventually("the outbox has tried the gateway and failed") {
          try await customers.pool.tenantQuery(
            slug,
            "SELECT 1 FROM outbox WHERE topic = 'gateway.event' AND attempts > 0 "
              + "AND delivered_at IS NULL"
          ).count == 1
        }
        #expect(receiver.received.isEmpty)
        try await member.start()
        try await eventually("the event arrives") { receiver.received(at: "/down").count == 1 }
        let arrived = try #require(receiver.received.first)
        #expect(arrived.type == "customer.created")
        #expect(arrived.data["id"] as? String == created.id)
        #expect(arrived.data["name"] as? String == "شركة الغياب")
      }
    }
  }
}

import ERPProtos
import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@testable import Gateway

/// The delivery log keeps `ERP_WEBHOOK_RETENTION_DAYS` (30 by default): the dispatcher's
/// periodic work deletes older deliveries, their attempts and the events left without one, by
/// its clock, which the test moves ahead.
@Suite("Webhooks: the delivery log's retention")
struct WebhookRetentionTests {
  @Test("deliveries older than the retention go with their attempts and events; newer stay")
  func pruned() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.run(variables: ["ERP_WEBHOOK_RETENTION_DAYS": "10"]) { gateway in
        let (_, key) = try await gateway.webhookTenant("whkeep")
        let created = try await gateway.subscribe(
          key,
          url: receiver.url("/kept"),
          types: ["customer.created"]
        )
        _ = try await gateway.createCustomer(key, "عميل قديم")
        _ = try await gateway.createCustomer(key, "عميل جديد")
        try await eventually("both are delivered") {
          try await gateway.deliveries(key, created.subscription.id)
            .filter { $0.status == .delivered }.count == 2
        }
        let old = try #require(
          receiver.received(at: "/kept").first { $0.data["name"] as? String == "عميل قديم" }
        )
        // The old one was made 20 days ago; the clock moves 5 days ahead: the cut-off
        // (10 days before the clock) falls between the two.
        try await gateway.gatewayPool.withSession { session in
          try await session.query(
            """
            UPDATE gateway.webhook_delivery SET created_at = now() - interval '20 days'
            WHERE event_id = $1
            """,
            [old.id]
          )
          try await session.query(
            """
            UPDATE gateway.webhook_event SET received_at = now() - interval '20 days'
            WHERE id = $1
            """,
            [old.id]
          )
        }
        let dispatcher = try #require(gateway.system["gateway"]?.worker(WebhookDispatcher.self))
        let ahead = Date().addingTimeInterval(5 * 86_400)
        dispatcher.clock.withLockedValue { $0 = { ahead } }
        dispatcher.poke()
        try await eventually("the old delivery is deleted") {
          try await gateway.deliveries(key, created.subscription.id).count == 1
        }
        let left = try await gateway.deliveries(key, created.subscription.id)
        #expect(left.map(\.eventID) != [old.id])
        let counts = try await gateway.gatewayPool.withSession { session in
          try await session.query(
            """
            SELECT (SELECT count(*) FROM gateway.webhook_event WHERE id = $1)::bigint AS events,
              (SELECT count(*) FROM gateway.webhook_attempt a
                JOIN gateway.webhook_delivery d ON d.id = a.delivery_id
                WHERE d.event_id = $1)::bigint AS attempts,
              (SELECT count(*) FROM gateway.webhook_event)::bigint AS all_events
            """,
            [old.id]
          )[0]
        }
        #expect(try counts.decode("events", as: Int64.self) == 0)
        #expect(try counts.decode("attempts", as: Int64.self) == 0)
        #expect(try counts.decode("all_events", as: Int64.self) >= 1)

        // In batches: a batch of one still deletes everything due, one statement at a time.
        let deleted = try await WebhookRetention.prune(
          gateway.gatewayPool,
          before: Date().addingTimeInterval(86_400),
          batch: 1
        )
        #expect(deleted >= 1)
        #expect(try await gateway.deliveries(key, created.subscription.id).isEmpty)
      }
    }
  }
}

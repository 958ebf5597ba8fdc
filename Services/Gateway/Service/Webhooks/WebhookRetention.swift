import ERPStore
import Foundation

/// The delivery log's retention: deliveries created before the cut-off that are no longer
/// pending are deleted with their attempts (`ON DELETE CASCADE`), then the events no delivery
/// refers to any more, in batches of `batch` rows per statement, so a gateway that was off for
/// months does not hold one long lock over the log. Run by ``WebhookDispatcher`` once an hour
/// (by its clock, which the tests move ahead). An event's id is kept as long as one of its
/// deliveries is, which is as long as a redelivery of it from a service's outbox is recognised.
enum WebhookRetention {
  /// Gateway migration 6: the indexes the pruning reads by.
  static let indexes = Migration(
    version: 6,
    name: "webhook delivery log retention indexes",
    sql: """
      CREATE INDEX webhook_delivery_created ON gateway.webhook_delivery (created_at);
      CREATE INDEX webhook_event_received ON gateway.webhook_event (received_at);
      """
  )

  /// Deletes what is older than `cutoff`; answers the deliveries deleted.
  @discardableResult
  static func prune(_ pool: ConnectionPool, before cutoff: Date, batch: Int) async throws -> Int {
    let seconds = Int64(cutoff.timeIntervalSince1970.rounded(.down))
    var deleted = 0
    while true {
      let rows = try await pool.withSession { session in
        try await session.query(
          """
          DELETE FROM gateway.webhook_delivery WHERE id IN (
            SELECT id FROM gateway.webhook_delivery
            WHERE created_at < to_timestamp($1::bigint) AND status <> 'pending' ORDER BY created_at LIMIT $2)
          RETURNING id
          """,
          [seconds, batch]
        )
      }
      deleted += rows.count
      if rows.count < batch { break }
    }
    while true {
      let rows = try await pool.withSession { session in
        try await session.query(
          """
          DELETE FROM gateway.webhook_event WHERE (tenant_id, id) IN (
            SELECT e.tenant_id, e.id FROM gateway.webhook_event e
            WHERE e.received_at < to_timestamp($1::bigint) AND NOT EXISTS (
              SELECT 1 FROM gateway.webhook_delivery d
              WHERE d.tenant_id = e.tenant_id AND d.event_id = e.id)
            LIMIT $2)
          RETURNING id
          """,
          [seconds, batch]
        )
      }
      if rows.count < batch { break }
    }
    return deleted
  }
}

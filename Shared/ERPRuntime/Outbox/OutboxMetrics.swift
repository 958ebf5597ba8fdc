import CoreMetrics
import ERPStore
import Foundation
import NIOConcurrencyHelpers

/// What the outbox relay reports: deliveries and failed attempts by topic, as counters
/// (`erp_outbox_delivered_total{service, topic}`, `erp_outbox_retries_total{service, topic}`:
/// every failed attempt is retried later), and the messages still pending with the age of the
/// oldest, as gauges (`erp_outbox_pending{service}`,
/// `erp_outbox_oldest_pending_age_seconds{service}`).
///
/// The gauges come from the relay, not from a query per scrape: after it has looked at a
/// tenant's outbox, the relay reads the tenant's backlog (one aggregate over the partial index
/// of pending messages) whenever the backlog may have changed: something stayed undelivered,
/// the pass covered the whole outbox, or the tenant had a backlog before. A handler's messages
/// delivered at once in a tenant without a backlog cost nothing more. Each scrape sums the
/// tenants' backlogs and computes the oldest message's age then, so the age keeps growing
/// between the relay's visits. Several replicas of a service each report what their relay saw.
final class OutboxMetrics: Sendable {
  struct Backlog: Sendable {
    var pending: Int
    /// When the oldest pending message was written.
    var oldest: Date?
  }

  private let factory: any MetricsFactory
  private let service: String
  private let backlogs = NIOLockedValueBox<[TenantID: Backlog]>([:])

  init(_ metrics: ServiceMetrics) {
    self.factory = metrics.factory
    self.service = metrics.service
    metrics.beforeScrape { [weak self] in self?.publish() }
  }

  func delivered(_ topic: String) {
    Counter(
      label: MetricNames.outboxDelivered,
      dimensions: self.labels(topic),
      factory: self.factory
    )
    .increment()
  }

  func failed(_ topic: String) {
    Counter(label: MetricNames.outboxRetries, dimensions: self.labels(topic), factory: self.factory)
      .increment()
  }

  /// Whether the tenant had pending messages when last read.
  func hasBacklog(_ tenant: TenantID) -> Bool {
    self.backlogs.withLockedValue { ($0[tenant]?.pending ?? 0) > 0 }
  }

  func set(_ tenant: TenantID, _ backlog: Backlog) {
    self.backlogs.withLockedValue { backlogs in
      backlogs[tenant] = backlog.pending > 0 ? backlog : nil
    }
  }

  /// Sets the gauges from the tenants' backlogs.
  func publish(now: Date = Date()) {
    let (pending, oldest) = self.backlogs.withLockedValue { backlogs in
      (backlogs.values.reduce(0) { $0 + $1.pending }, backlogs.values.compactMap(\.oldest).min())
    }
    let service = [("service", self.service)]
    Meter(label: MetricNames.outboxPending, dimensions: service, factory: self.factory)
      .set(pending)
    Meter(label: MetricNames.outboxOldestPendingAge, dimensions: service, factory: self.factory)
      .set(max(0, oldest.map { now.timeIntervalSince($0) } ?? 0))
  }

  private func labels(_ topic: String) -> [(String, String)] {
    [("service", self.service), ("topic", topic)]
  }
}

import CoreMetrics
import ERPStore
import NIOConcurrencyHelpers

/// Publishes the pool's statistics through swift-metrics just before each scrape of `/metrics`:
/// what is now as gauges (`erp_db_pool_open`: connection slots taken, `_idle`, `_in_use`: slots
/// held by tasks, leased or being connected for one, `_waiting`: tasks queued), what has
/// happened as counters (`erp_db_pool_created_total`, `_acquire_timeouts_total`,
/// `_failed_connects_total`). The pool (ERPStore, which knows nothing of metrics) keeps running
/// totals; a counter is advanced by what the total grew since the last scrape.
struct PoolMetrics: Sendable {
  private let pool: ConnectionPool
  private let factory: any MetricsFactory
  /// The totals at the last scrape: created, acquire timeouts, failed connects.
  private let seen = NIOLockedValueBox([0, 0, 0])

  init(pool: ConnectionPool, metrics: ServiceMetrics) {
    self.pool = pool
    self.factory = metrics.factory
  }

  func update() {
    // Read under the lock, so that two scrapes at once never count the same growth twice.
    let (statistics, previous) = self.seen.withLockedValue { seen in
      let statistics = self.pool.statistics
      defer {
        seen = [statistics.created, statistics.acquireTimeouts, statistics.failedConnects]
      }
      return (statistics, seen)
    }
    let gauges: [(String, Int)] = [
      ("open", statistics.open),
      ("idle", statistics.idle),
      ("in_use", max(0, statistics.open - statistics.idle)),
      ("waiting", statistics.waiting),
    ]
    for (name, value) in gauges {
      Meter(label: "erp_db_pool_\(name)", factory: self.factory).set(value)
    }
    let counters: [(String, Int)] = [
      ("created", statistics.created - previous[0]),
      ("acquire_timeouts", statistics.acquireTimeouts - previous[1]),
      ("failed_connects", statistics.failedConnects - previous[2]),
    ]
    for (name, growth) in counters {
      // Made even when nothing grew, so the series shows 0 from the first scrape.
      let counter = Counter(label: "erp_db_pool_\(name)_total", factory: self.factory)
      if growth > 0 { counter.increment(by: growth) }
    }
  }
}

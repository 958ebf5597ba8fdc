import ERPStore
import Prometheus

/// Publishes the pool's statistics as gauges, refreshed just before each scrape of `/metrics`.
struct PoolMetrics: Sendable {
  let pool: ConnectionPool
  let registry: PrometheusCollectorRegistry

  func update() {
    let statistics = self.pool.statistics
    let values: [(String, Int, String)] = [
      ("open", statistics.open, "Database connections open."),
      ("idle", statistics.idle, "Database connections idle in the pool."),
      ("waiting", statistics.waiting, "Tasks waiting for a database connection."),
      ("created", statistics.created, "Database connections opened since start."),
      ("acquire_timeouts", statistics.acquireTimeouts, "Acquisitions that timed out."),
      ("failed_connects", statistics.failedConnects, "Failed attempts to connect."),
    ]
    for (name, value, help) in values {
      let descriptor = MetricNameDescriptor(
        namespace: "erp",
        subsystem: "db_pool",
        metricName: name,
        unitName: "",
        helpText: help
      )
      self.registry.makeGauge(descriptor: descriptor).set(Double(value))
    }
  }
}

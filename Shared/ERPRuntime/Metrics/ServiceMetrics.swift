public import CoreMetrics
import GRPCCore
import Metrics
import NIOConcurrencyHelpers
public import Prometheus

/// The metrics of one service, written through the swift-metrics API (`Counter`, `Meter`,
/// `Timer`) on the factory of the service's Prometheus registry, the one `/metrics` exports.
///
/// Why an explicit factory rather than `MetricsSystem.factory`: the global factory can be
/// bootstrapped once per process, while one process may run several services (the in-process
/// system of the tests and benchmarks), each with its own registry and `/metrics`. `ServiceMain`
/// bootstraps the global system with ``factory(registry:)`` of the same registry, so metrics of
/// libraries that use the global factory land on `/metrics` too.
///
/// Gauges whose value is read rather than counted (the pool's, the outbox's) are refreshed just
/// before each scrape by the hooks registered with ``beforeScrape(_:)``.
public final class ServiceMetrics: Sendable {
  /// The factory every metric of this service is made with.
  public let factory: any MetricsFactory
  /// The service's catalog name, the `service` label of the metrics that carry one.
  public let service: String
  /// The registry `/metrics` exports.
  public let registry: PrometheusCollectorRegistry
  private let hooks = NIOLockedValueBox<[@Sendable () -> Void]>([])

  public init(
    registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    service: String
  ) {
    self.factory = Self.factory(registry: registry)
    self.service = service
    self.registry = registry
  }

  /// Every metric in Prometheus text, as `/metrics` serves it (the hooks run first).
  public func exposition() -> String {
    self.refresh()
    return self.registry.emitToString()
  }

  /// A Prometheus factory on `registry` with the histogram buckets chosen for our timers: RPCs
  /// take from a fraction of a millisecond (a cached read) to seconds (a saga step that waits
  /// on a peer), so the buckets span 0.5 ms to 10 s. The runtime's metrics get their `# HELP`
  /// line (``MetricNames/help``, through ``HelpingMetricsFactory``).
  public static func factory(registry: PrometheusCollectorRegistry) -> HelpingMetricsFactory {
    var factory = PrometheusMetricsFactory(registry: registry)
    let rpcBuckets: [Duration] = [
      .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
      .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
      .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
    ]
    for name in [MetricNames.rpcServerHandling, MetricNames.rpcClientHandling] {
      factory.durationHistogramBuckets[name] = rpcBuckets
    }
    return HelpingMetricsFactory(factory, help: MetricNames.help)
  }

  /// Adds one to the counter `label` with `dimensions` (for a domain service's own counters,
  /// which then need no metrics import of their own).
  public func count(_ label: String, _ dimensions: [(String, String)] = []) {
    CoreMetrics.Counter(label: label, dimensions: dimensions, factory: self.factory).increment()
  }

  /// Runs `hook` before each scrape of `/metrics`, to set gauges from what it reads.
  public func beforeScrape(_ hook: @escaping @Sendable () -> Void) {
    self.hooks.withLockedValue { $0.append(hook) }
  }

  /// Runs every hook (the ops server calls it as a scrape begins).
  public func refresh() {
    for hook in self.hooks.withLockedValue({ $0 }) { hook() }
  }
}

/// The names of the runtime's metrics, in one place (they are what dashboards and alerts
/// query, so renaming one is a breaking change).
public enum MetricNames {
  public static let rpcServerHandled = "erp_rpc_server_handled_total"
  public static let rpcServerHandling = "erp_rpc_server_handling_seconds"
  public static let rpcClientHandled = "erp_rpc_client_handled_total"
  public static let rpcClientHandling = "erp_rpc_client_handling_seconds"
  public static let outboxPending = "erp_outbox_pending"
  public static let outboxOldestPendingAge = "erp_outbox_oldest_pending_age_seconds"
  public static let outboxDelivered = "erp_outbox_delivered_total"
  public static let outboxRetries = "erp_outbox_retries_total"

  /// The `# HELP` text of each runtime metric on `/metrics`.
  public static let help: [String: String] = [
    rpcServerHandled: "RPCs this service handled, by method and status code",
    rpcServerHandling: "Time this service took to handle an RPC, by method",
    rpcClientHandled: "RPCs this service made to its peers, by method and status code",
    rpcClientHandling: "Time an RPC to a peer took, by method",
    outboxPending: "Outbox messages not yet delivered",
    outboxOldestPendingAge: "Age of the oldest undelivered outbox message",
    outboxDelivered: "Outbox messages delivered, by topic",
    outboxRetries: "Failed outbox delivery attempts (each retried later), by topic",
    "erp_db_pool_open": "Database connection slots taken (open or opening)",
    "erp_db_pool_idle": "Open database connections nobody holds",
    "erp_db_pool_in_use": "Database connection slots held by tasks",
    "erp_db_pool_waiting": "Tasks waiting for a database connection",
    "erp_db_pool_created_total": "Database connections opened",
    "erp_db_pool_acquire_timeouts_total": "Waits for a database connection that timed out",
    "erp_db_pool_failed_connects_total": "Failed attempts to open a database connection",
  ]
}

/// How one RPC ended, counted and timed: the server and client interceptors share this.
enum RPCMeasurement {
  /// Counts the call under `handled{method, code}` (`code` is `OK` or the status code's name,
  /// `invalidArgument`, …) and times it under `handling{method}`.
  static func record(
    handled: String,
    handling: String,
    method: String,
    code: RPCError.Code?,
    since started: ContinuousClock.Instant,
    factory: any MetricsFactory
  ) {
    CoreMetrics.Counter(
      label: handled,
      dimensions: [("method", method), ("code", code.map { "\($0)" } ?? "OK")],
      factory: factory
    )
    .increment()
    let elapsed = started.duration(to: .now)
    let nanoseconds =
      elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    CoreMetrics.Timer(label: handling, dimensions: [("method", method)], factory: factory)
      .recordNanoseconds(nanoseconds)
  }
}

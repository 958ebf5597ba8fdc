public import CoreMetrics
public import Prometheus

/// A swift-metrics factory on a Prometheus registry that gives the metrics it knows a `# HELP`
/// line. swift-metrics' API has no place for help text, and swift-prometheus'
/// `PrometheusMetricsFactory` registers every metric with none; the registry's own
/// `make…(descriptor:labels:…)` takes it in a `MetricNameDescriptor`. So this factory makes
/// the metrics named in `help` through those, with the same buckets the Prometheus factory
/// would use, and hands every other metric (and every destroy) to the Prometheus factory
/// unchanged. The registry requires one
/// help text per name: every metric of a registry must therefore be made through one factory
/// (``ServiceMetrics/factory(registry:)`` is the only one the runtime makes).
public struct HelpingMetricsFactory: MetricsFactory {
  public let prometheus: PrometheusMetricsFactory
  /// Help text by metric name.
  public let help: [String: String]

  public init(_ prometheus: PrometheusMetricsFactory, help: [String: String]) {
    self.prometheus = prometheus
    self.help = help
  }

  private var registry: PrometheusCollectorRegistry { self.prometheus.registry }

  /// The name as it is (no unit appended: our names carry theirs) with its help text, or nil
  /// when `help` has none for it.
  private func described(_ label: String) -> MetricNameDescriptor? {
    self.help[label].map { MetricNameDescriptor(metricName: label, unitName: "", helpText: $0) }
  }

  public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
    guard let descriptor = self.described(label) else {
      return self.prometheus.makeCounter(label: label, dimensions: dimensions)
    }
    return self.registry.makeCounter(descriptor: descriptor, labels: dimensions)
  }

  public func makeFloatingPointCounter(
    label: String,
    dimensions: [(String, String)]
  ) -> any FloatingPointCounterHandler {
    guard let descriptor = self.described(label) else {
      return self.prometheus.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }
    return self.registry.makeCounter(descriptor: descriptor, labels: dimensions)
  }

  public func makeRecorder(
    label: String,
    dimensions: [(String, String)],
    aggregate: Bool
  ) -> any RecorderHandler {
    guard let descriptor = self.described(label) else {
      return self.prometheus.makeRecorder(
        label: label,
        dimensions: dimensions,
        aggregate: aggregate
      )
    }
    guard aggregate else {
      return self.registry.makeGauge(descriptor: descriptor, labels: dimensions)
    }
    let buckets =
      self.prometheus.valueHistogramBuckets[label] ?? self.prometheus.defaultValueHistogramBuckets
    return self.registry.makeValueHistogram(
      descriptor: descriptor,
      labels: dimensions,
      buckets: buckets
    )
  }

  public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
    guard let descriptor = self.described(label) else {
      return self.prometheus.makeMeter(label: label, dimensions: dimensions)
    }
    return self.registry.makeGauge(descriptor: descriptor, labels: dimensions)
  }

  public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
    guard let descriptor = self.described(label) else {
      return self.prometheus.makeTimer(label: label, dimensions: dimensions)
    }
    let buckets =
      self.prometheus.durationHistogramBuckets[label]
      ?? self.prometheus.defaultDurationHistogramBuckets
    return self.registry.makeDurationHistogram(
      descriptor: descriptor,
      labels: dimensions,
      buckets: buckets
    )
  }

  public func destroyCounter(_ handler: any CounterHandler) {
    self.prometheus.destroyCounter(handler)
  }

  public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
    self.prometheus.destroyFloatingPointCounter(handler)
  }

  public func destroyRecorder(_ handler: any RecorderHandler) {
    self.prometheus.destroyRecorder(handler)
  }

  public func destroyMeter(_ handler: any MeterHandler) {
    self.prometheus.destroyMeter(handler)
  }

  public func destroyTimer(_ handler: any TimerHandler) {
    self.prometheus.destroyTimer(handler)
  }
}

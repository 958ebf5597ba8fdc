public import GRPCCore
public import Prometheus

/// Counts every call a server handles by method and status code, and times it:
/// `erp_rpc_server_handled_total{method, code}` and `erp_rpc_server_handling_seconds{method}`.
public struct RPCMetricsInterceptor: ServerInterceptor {
  private let registry: PrometheusCollectorRegistry

  nonisolated(unsafe) static let handled = MetricNameDescriptor(
    namespace: "erp",
    subsystem: "rpc_server",
    metricName: "handled",
    unitName: "total",
    helpText: "RPCs handled, by method and status code."
  )
  nonisolated(unsafe) static let handling = MetricNameDescriptor(
    namespace: "erp",
    subsystem: "rpc_server",
    metricName: "handling",
    unitName: "seconds",
    helpText: "Time to handle an RPC, by method."
  )

  public init(registry: PrometheusCollectorRegistry) {
    self.registry = registry
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let method = context.descriptor.fullyQualifiedMethod
    let started = ContinuousClock.now
    return try await CallOutcome.observe(request: request, context: context, next: next) {
      code,
      _ in
      self.record(method, code: code.map { "\($0)" } ?? "OK", since: started)
    }
  }

  private func record(_ method: String, code: String, since started: ContinuousClock.Instant) {
    self.registry.makeCounter(
      descriptor: Self.handled,
      labels: [("method", method), ("code", code)]
    )
    .increment()
    let elapsed = started.duration(to: .now)
    self.registry.makeDurationHistogram(
      descriptor: Self.handling,
      labels: [("method", method)],
      buckets: [
        .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100),
        .milliseconds(500), .seconds(2),
      ]
    ).record(elapsed)
  }
}

import CoreMetrics
public import GRPCCore
public import Prometheus

/// Counts every call a server handles by method and status code, and times it, through
/// swift-metrics: `erp_rpc_server_handled_total{method, code}` (rate and errors) and the
/// histogram `erp_rpc_server_handling_seconds{method}` (duration).
public struct RPCMetricsInterceptor: ServerInterceptor {
  private let factory: any MetricsFactory

  public init(metrics: ServiceMetrics) {
    self.factory = metrics.factory
  }

  /// On a registry of its own (the buckets of ``ServiceMetrics/factory(registry:)``).
  public init(registry: PrometheusCollectorRegistry) {
    self.factory = ServiceMetrics.factory(registry: registry)
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
    let factory = self.factory
    return try await CallOutcome.observe(request: request, context: context, next: next) {
      code,
      _ in
      RPCMeasurement.record(
        handled: MetricNames.rpcServerHandled,
        handling: MetricNames.rpcServerHandling,
        method: method,
        code: code,
        since: started,
        factory: factory
      )
    }
  }
}

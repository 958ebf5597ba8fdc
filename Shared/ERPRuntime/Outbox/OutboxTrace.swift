import ERPStore
import Tracing

/// The outbox's side of tracing: the writer's span context goes into the message (W3C
/// `traceparent` / `tracestate`), and each delivery is a span (`outbox.deliver <topic>`,
/// kind producer) that links to it. Delivered in the writer's own call (right after its
/// commit), the delivery is also a child of that call's span, so the receiver's spans join the
/// writer's trace; delivered later by the background loop it starts a trace of its own, found
/// from the writer's through the link. Attempts are the `erp.outbox.attempt` attribute, and a
/// failed attempt is an `outbox.retry_scheduled` event with the back-off.
enum OutboxTrace {
  /// The current span's context as the two columns (nil, nil when untraced).
  static func writer() -> (traceparent: String?, tracestate: String?) {
    guard let tracer = ServiceTracer.current.tracer, let context = ServiceContext.current
    else { return (nil, nil) }
    var carrier: [String: String] = [:]
    tracer.inject(context, into: &carrier, using: DictionaryInjector())
    return (carrier[TraceMetadata.traceparent], carrier[TraceMetadata.tracestate])
  }

  /// The span of one delivery attempt of `message` (nil when untraced); the caller ends it.
  static func startDelivery(_ message: OutboxMessage, tenant: TenantID) -> (any Span)? {
    let service = ServiceTracer.current
    guard let tracer = service.tracer,
      let span = service.startSpan("outbox.deliver \(message.topic)", ofKind: .producer)
    else { return nil }
    span.attributes["messaging.system"] = "erp.outbox"
    span.attributes["messaging.destination.name"] = message.topic
    span.attributes["messaging.message.id"] = message.key
    span.attributes["erp.tenant"] = tenant.slug
    span.attributes["erp.outbox.attempt"] = message.attempts + 1
    if let traceparent = message.traceparent {
      var carrier = [TraceMetadata.traceparent: traceparent]
      carrier[TraceMetadata.tracestate] = message.tracestate
      var writer = ServiceContext.topLevel
      tracer.extract(carrier, into: &writer, using: DictionaryExtractor())
      span.addLink(SpanLink(context: writer, attributes: ["erp.link": "outbox.writer"]))
    }
    return span
  }

  /// Runs the delivery's call with its span current (the call's client span is its child).
  static func within<T>(
    _ span: (any Span)?,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
  ) async throws -> T {
    guard let span else { return try await body() }
    return try await ServiceContext.withValue(span.context) { try await body() }
  }

  /// The attempt failed.
  static func failed(_ span: (any Span)?, _ error: any Error) {
    if let span { ServiceTracer.fail(span, error) }
  }

  /// The message waits `backoffMilliseconds` before its next attempt.
  static func retryScheduled(
    _ span: (any Span)?,
    _ message: OutboxMessage,
    backoffMilliseconds: Int64
  ) {
    span?.addEvent(
      SpanEvent(
        name: "outbox.retry_scheduled",
        attributes: [
          "erp.outbox.attempt": .int64(Int64(message.attempts + 1)),
          "erp.outbox.backoff_ms": .int64(backoffMilliseconds),
        ]
      )
    )
  }
}

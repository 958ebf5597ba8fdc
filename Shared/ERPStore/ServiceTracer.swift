public import Tracing

/// The tracer one service's spans go to, or none. A process runs one service and bootstraps
/// swift-distributed-tracing's `InstrumentationSystem` for it (``bootstrapped``); the in-process
/// system runs several services in one process, each with a tracer of its own (its own
/// `service.name`), so the store, the interceptors and the workers take this value rather than
/// reading the process-global tracer. Off (`tracer == nil`) costs one branch per operation:
/// nothing is allocated, no context is read.
public struct ServiceTracer: Sendable {
  public let tracer: (any Tracer)?

  public init(_ tracer: (any Tracer)?) {
    self.tracer = tracer
  }

  /// No spans at all.
  public static let off = ServiceTracer(nil)

  /// The tracer of the service whose work this task does: bound by the service runner for
  /// everything it runs (handlers, background workers), so that code deep in a handler (the
  /// outbox, a saga step) traces without the tracer being passed down to it.
  @TaskLocal public static var current: ServiceTracer = .off

  /// The process's bootstrapped tracer; off when nothing was bootstrapped (the no-op tracer).
  public static var bootstrapped: ServiceTracer {
    let tracer = InstrumentationSystem.tracer
    return tracer is NoOpTracer ? .off : ServiceTracer(tracer)
  }

  public var isOn: Bool { self.tracer != nil }

  /// Starts a span (a child of `context`, by default the current one); the caller ends it. Nil
  /// when tracing is off. The name is an autoclosure, so an untraced call formats nothing.
  public func startSpan(
    _ name: @autoclosure () -> String,
    ofKind kind: SpanKind = .internal,
    context: @autoclosure () -> ServiceContext = ServiceContext.current ?? .topLevel
  ) -> (any Span)? {
    guard let tracer = self.tracer else { return nil }
    return tracer.startSpan(name(), context: context(), ofKind: kind)
  }

  /// Runs `body` in a span that is the current one for its duration (so spans started inside
  /// are its children) and ends it afterwards; an error thrown marks the span failed. With
  /// tracing off it runs `body` with nil.
  public func withSpan<T>(
    _ name: @autoclosure () -> String,
    ofKind kind: SpanKind = .internal,
    context: @autoclosure () -> ServiceContext = ServiceContext.current ?? .topLevel,
    isolation: isolated (any Actor)? = #isolation,
    _ body: ((any Span)?) async throws -> T
  ) async throws -> T {
    guard let span = self.startSpan(name(), ofKind: kind, context: context()) else {
      return try await body(nil)
    }
    defer { span.end() }
    do {
      return try await ServiceContext.withValue(span.context) { try await body(span) }
    } catch {
      Self.fail(span, error)
      throw error
    }
  }

  /// Marks `span` failed by `error` (recorded as an event, status ERROR with its description).
  public static func fail(_ span: any Span, _ error: any Error) {
    span.recordError(error)
    span.setStatus(SpanStatus(code: .error, message: "\(error)"))
  }
}

public import ERPStore
public import GRPCCore
import Tracing

/// The server span of every call a service handles (OpenTelemetry's RPC conventions): named
/// `package.Service/Method`, with `rpc.system` `erpt` (our transport: gRPC's semantics, not its
/// wire), `rpc.service`, `rpc.method`, and on completion `rpc.grpc.status_code` (gRPC's status
/// numbers, which ERPT uses as they are); a failed call's span has status ERROR with its
/// message. The handler runs with the span current, so its SQL and the calls it makes are the
/// span's children, and log lines carry its trace and span ids.
///
/// Between our services the caller's `traceparent` is the parent. At the edge (`trustsCaller`
/// false: the gateway, which partners call) a partner's `traceparent` is only linked: the
/// gateway starts a trace of its own, so a partner can neither join our traces to theirs nor
/// decide what we sample, yet the link lets both sides find each other's spans.
public struct TracingServerInterceptor: ServerInterceptor {
  private let tracer: ServiceTracer
  private let trustsCaller: Bool

  public init(tracer: ServiceTracer, trustsCaller: Bool) {
    self.tracer = tracer
    self.trustsCaller = trustsCaller
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard let tracer = self.tracer.tracer else { return try await next(request, context) }
    var remote = ServiceContext.topLevel
    tracer.extract(request.metadata, into: &remote, using: TraceMetadata.Extractor())
    let descriptor = context.descriptor
    let span = tracer.startSpan(
      descriptor.fullyQualifiedMethod,
      context: self.trustsCaller ? remote : .topLevel,
      ofKind: .server
    )
    if !self.trustsCaller, request.metadata.firstString(TraceMetadata.traceparent) != nil {
      // Linked only if it parsed: what the propagator writes back out is the proof.
      var parsed: [String: String] = [:]
      tracer.inject(remote, into: &parsed, using: DictionaryInjector())
      if parsed[TraceMetadata.traceparent] != nil {
        span.addLink(SpanLink(context: remote, attributes: ["erp.link": "partner"]))
      }
    }
    RPCSpan.describe(span, descriptor)
    let current = span.context
    let service = self.tracer
    @Sendable func bound<T>(_ body: () async throws -> T) async throws -> T {
      try await ServiceTracer.$current.withValue(service) {
        try await ServiceContext.withValue(current) { try await body() }
      }
    }
    var response = try await CallOutcome.observe(request: request, context: context) {
      request,
      context in
      try await bound { try await next(request, context) }
    } _: { code, message in
      RPCSpan.finish(span, code: code, message: message)
    }
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in try await bound { try await producer(writer) } }
      response.accepted = .success(contents)
    }
    return response
  }
}

/// The attributes server and client spans share.
enum RPCSpan {
  static func describe(_ span: any Span, _ descriptor: MethodDescriptor) {
    span.attributes["rpc.system"] = "erpt"
    span.attributes["rpc.service"] = descriptor.service.fullyQualifiedService
    span.attributes["rpc.method"] = descriptor.method
  }

  /// Records the final status (nil: OK) and ends the span.
  static func finish(_ span: any Span, code: RPCError.Code?, message: String?) {
    span.attributes["rpc.grpc.status_code"] = code.map { Int64($0.rawValue) } ?? 0
    if let code {
      span.setStatus(SpanStatus(code: .error, message: "\(code): \(message ?? "")"))
    }
    span.end()
  }
}

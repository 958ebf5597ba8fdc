public import ERPStore
public import GRPCCore
import Tracing

/// The client span of every call a service makes to another (a child of whatever span is
/// current: the handler's, a saga step's, an outbox delivery's), its context sent along in
/// `traceparent` / `tracestate` so the callee's server span is its child. Same attributes as
/// the server span (``TracingServerInterceptor``); it ends when the response's last part has
/// been read, with the call's status.
public struct TracingClientInterceptor: ClientInterceptor {
  private let tracer: ServiceTracer

  public init(tracer: ServiceTracer) {
    self.tracer = tracer
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws ->
      StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    guard let tracer = self.tracer.tracer else { return try await next(request, context) }
    let span = tracer.startSpan(context.descriptor.fullyQualifiedMethod, ofKind: .client)
    RPCSpan.describe(span, context.descriptor)
    var request = request
    tracer.inject(span.context, into: &request.metadata, using: TraceMetadata.Injector())
    var response: StreamingClientResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      let rpcError = error as? RPCError
      RPCSpan.finish(span, code: rpcError?.code ?? .unknown, message: rpcError?.message)
      throw error
    }
    switch response.accepted {
    case .failure(let error):
      RPCSpan.finish(span, code: error.code, message: error.message)
    case .success(var contents):
      contents.bodyParts = RPCAsyncSequence(
        wrapping: LastPartObserved(base: contents.bodyParts) { error in
          let rpcError = error.map { $0 as? RPCError ?? RPCError(code: .unknown, message: "") }
          RPCSpan.finish(span, code: rpcError?.code, message: rpcError?.message)
        }
      )
      response.accepted = .success(contents)
    }
    return response
  }
}

/// A response's parts, calling `ended` once: with nil after the last part, or with the error
/// the sequence failed with.
struct LastPartObserved<Element: Sendable>: AsyncSequence, Sendable {
  typealias Failure = any Error

  let base: RPCAsyncSequence<Element, any Error>
  let ended: @Sendable ((any Error)?) -> Void

  struct AsyncIterator: AsyncIteratorProtocol {
    typealias Failure = any Error

    var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
    let ended: @Sendable ((any Error)?) -> Void
    var done = false

    mutating func next() async throws -> Element? {
      guard !self.done else { return nil }
      do {
        guard let element = try await self.base.next() else {
          self.done = true
          self.ended(nil)
          return nil
        }
        return element
      } catch {
        self.done = true
        self.ended(error)
        throw error
      }
    }
  }

  func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: self.base.makeAsyncIterator(), ended: self.ended)
  }
}

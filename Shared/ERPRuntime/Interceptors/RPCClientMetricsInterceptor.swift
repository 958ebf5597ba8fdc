import CoreMetrics
public import GRPCCore

/// Counts every call a service makes to another by method and status code, and times it:
/// `erp_rpc_client_handled_total{method, code}` and the histogram
/// `erp_rpc_client_handling_seconds{method}`, from the call's start to its final status (the
/// end of the response stream, where a failing status arrives as a thrown error).
public struct RPCClientMetricsInterceptor: ClientInterceptor {
  private let factory: any MetricsFactory

  public init(metrics: ServiceMetrics) {
    self.factory = metrics.factory
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws ->
      StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    let method = context.descriptor.fullyQualifiedMethod
    let started = ContinuousClock.now
    let factory = self.factory
    let record: @Sendable (RPCError.Code?) -> Void = { code in
      RPCMeasurement.record(
        handled: MetricNames.rpcClientHandled,
        handling: MetricNames.rpcClientHandling,
        method: method,
        code: code,
        since: started,
        factory: factory
      )
    }
    var response: StreamingClientResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      record((error as? RPCError)?.code ?? .unknown)
      throw error
    }
    switch response.accepted {
    case .failure(let error):
      record(error.code)
    case .success(var contents):
      contents.bodyParts = RPCAsyncSequence(
        wrapping: ObservedSequence(base: contents.bodyParts, finished: record)
      )
      response.accepted = .success(contents)
    }
    return response
  }
}

/// A response stream that reports how it ended, once: `nil` when it finished, the status code
/// when it threw.
private struct ObservedSequence<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable
where Base.Failure == any Error {
  typealias Element = Base.Element
  typealias Failure = any Error

  let base: Base
  let finished: @Sendable (RPCError.Code?) -> Void

  func makeAsyncIterator() -> Iterator {
    Iterator(base: self.base.makeAsyncIterator(), finished: self.finished)
  }

  struct Iterator: AsyncIteratorProtocol {
    var base: Base.AsyncIterator
    let finished: @Sendable (RPCError.Code?) -> Void
    var done = false

    mutating func next() async throws -> Element? {
      guard !self.done else { return nil }
      do {
        let element = try await self.base.next()
        if element == nil {
          self.done = true
          self.finished(nil)
        }
        return element
      } catch {
        self.done = true
        self.finished((error as? RPCError)?.code ?? .unknown)
        throw error
      }
    }
  }
}

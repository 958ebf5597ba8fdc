public import GRPCCore
import Synchronization

/// Calls refused with UNAVAILABLE are made again, a few times, a pause apart: what the gateway
/// tells a partner to do ("<service> is unavailable; try again"). Meant for one-shot callers
/// such as `erpctl smoke`, whose first call on a fresh connection can meet a transient failure
/// (in podman 4.3 a service's name does not resolve for a moment while a container joins its
/// network: deploy/README.md). Only a call the server refused before answering is retried, so
/// nothing already received is lost; the domain's writes carry a request id, so a write the
/// service did complete is answered from its record, not done twice. ``retries`` counts them.
public struct RetryingUnavailable: ClientInterceptor {
  public let attempts: Int
  public let pause: Duration
  private let counter: Counter

  /// A shared count of the retries made, for callers that report them.
  public final class Counter: Sendable {
    private let value = Mutex(0)
    public init() {}
    public var count: Int { self.value.withLock { $0 } }
    func increment() { self.value.withLock { $0 += 1 } }
  }

  public init(attempts: Int = 5, pause: Duration = .seconds(1), counter: Counter = Counter()) {
    precondition(attempts >= 1, "at least one attempt")
    self.attempts = attempts
    self.pause = pause
    self.counter = counter
  }

  /// Retries made so far through this interceptor (and its copies).
  public var retries: Int { self.counter.count }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<
      Output
    >
  ) async throws -> StreamingClientResponse<Output> {
    var attempt = 1
    while true {
      let response: StreamingClientResponse<Output>
      do {
        response = try await next(request, context)
      } catch let error as RPCError where error.code == .unavailable && attempt < self.attempts {
        try await self.again(&attempt)
        continue
      }
      if case .failure(let error) = response.accepted, error.code == .unavailable,
        attempt < self.attempts
      {
        try await self.again(&attempt)
        continue
      }
      return response
    }
  }

  private func again(_ attempt: inout Int) async throws {
    attempt += 1
    self.counter.increment()
    try await Task.sleep(for: self.pause)
  }
}

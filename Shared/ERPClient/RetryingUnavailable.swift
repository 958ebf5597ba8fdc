public import GRPCCore
import Synchronization

/// Calls refused with UNAVAILABLE are made again, a few times, a pause apart: what the gateway
/// tells a partner to do ("<service> is unavailable; try again"). Meant for one-shot callers
/// such as `erpctl smoke`, whose first call on a fresh connection can meet a transient failure
/// (in podman 4.3 a service's name does not resolve for a moment while a container joins its
/// network: deploy/README.md). It is GRPCCore's own retry policy (a new stream per attempt; an
/// interceptor cannot retry, it runs inside one attempt's stream), set as the default entry of
/// the client's service config. The domain's writes carry a request id, so a write a service
/// did complete before the failure is answered from its record, not done twice.
public enum RetryingUnavailable {
  /// The service config retrying every method on UNAVAILABLE, `attempts` in all (2 to 5, gRPC's
  /// cap), each after a random pause of up to `backoff` (growing by half each time).
  public static func serviceConfig(
    attempts: Int = 5,
    backoff: Duration = .seconds(1)
  )
    -> ServiceConfig
  {
    let policy = RetryPolicy(
      maxAttempts: min(max(attempts, 2), 5),
      initialBackoff: backoff,
      maxBackoff: backoff * 3,
      backoffMultiplier: 1.5,
      retryableStatusCodes: [.unavailable]
    )
    return ServiceConfig(
      methodConfig: [
        MethodConfig(names: [MethodConfig.Name(service: "")], executionPolicy: .retry(policy))
      ]
    )
  }

  /// Counts the attempts refused UNAVAILABLE (run per attempt, so a retried call counts once per
  /// refusal), for callers that report them.
  public struct Counter: ClientInterceptor {
    private let refusals = Refusals()

    public init() {}

    /// Attempts refused UNAVAILABLE so far, by this counter and its copies.
    public var count: Int { self.refusals.value.withLock { $0 } }

    public func intercept<Input: Sendable, Output: Sendable>(
      request: StreamingClientRequest<Input>,
      context: ClientContext,
      next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<
        Output
      >
    ) async throws -> StreamingClientResponse<Output> {
      let response: StreamingClientResponse<Output>
      do {
        response = try await next(request, context)
      } catch let error as RPCError where error.code == .unavailable {
        self.refusals.value.withLock { $0 += 1 }
        throw error
      }
      if case .failure(let error) = response.accepted, error.code == .unavailable {
        self.refusals.value.withLock { $0 += 1 }
      }
      return response
    }
  }

  private final class Refusals: Sendable {
    let value = Mutex(0)
  }
}

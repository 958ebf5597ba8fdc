import ERPProtos
import ERPRuntime
import ERPStore
import ERPTransport
import GRPCCore
import NIOConcurrencyHelpers

/// Fetching the sections of a view concurrently under one deadline. Each section is a call
/// (or a few) to one domain service; it runs only if the key may read that domain, with a
/// client-side timeout of what is left of the sections' deadline, and its failure marks it
/// instead of failing the view.
///
/// The sections' deadline stops short of the caller's by a margin (10 % of the time left when
/// the view starts, at least 5 ms) that is kept for assembling and sending the answer, so a
/// caller that keeps its deadline gets the partial view rather than DEADLINE_EXCEEDED. A
/// section still running at that deadline is abandoned (its call cancelled) and marked.
struct Sections: Sendable {
  let peers: PeerClients
  let scopes: Set<String>
  /// When every section must have answered.
  let deadline: ContinuousClock.Instant

  init(peers: PeerClients, scopes: Set<String>) {
    self.peers = peers
    self.scopes = scopes
    let now = ContinuousClock.now
    let callers = RequestContext.deadline ?? (now + .seconds(2))
    self.deadline = callers - Self.margin(now.duration(to: callers))
  }

  /// What is kept back from `remaining` for answering: 10 %, at least 5 ms.
  static func margin(_ remaining: Duration) -> Duration {
    max(.milliseconds(5), remaining / 10)
  }

  /// Call options whose timeout is what is left of the sections' deadline.
  var options: CallOptions {
    var options = CallOptions.defaults
    options.timeout = max(.milliseconds(1), ContinuousClock.now.duration(to: self.deadline))
    return options
  }

  /// Runs `fetch` against `domain`'s client and reports the section's status.
  func fetch(
    _ section: String,
    _ domain: ERPDomain,
    _ fetch: @escaping @Sendable (GRPCClient<ERPTransport.Client>, CallOptions) async throws -> Void
  ) async -> Erp_Gateway_V1_SectionStatus {
    var status = Erp_Gateway_V1_SectionStatus()
    status.section = section
    guard self.scopes.contains(domain.readScope) || self.scopes.contains(domain.writeScope) else {
      status.code = "permission_denied"
      status.message = "the key lacks the scope \(domain.readScope)"
      return status
    }
    do {
      // One span per section (its peer calls are its children), failed when the section is.
      try await ServiceTracer.current.withSpan("section \(section)") { span in
        span?.attributes["erp.section"] = section
        span?.attributes["erp.domain"] = domain.rawValue
        try await self.withinDeadline {
          try await RequestContext.$deadline.withValue(self.deadline) {
            try await fetch(try self.peers.connection(to: domain), self.options)
          }
        }
      }
      status.available = true
    } catch {
      // A section's failure reaches the partner: name the service, never an address.
      let partnerError = PartnerFacingError.rpcError(for: error, service: domain.rawValue)
      status.code = error is RPCError ? "\(partnerError.code)" : "unknown"
      status.message = partnerError.message
    }
    return status
  }

  /// Runs `body` until the sections' deadline at most: past it, `body` is cancelled and the
  /// section fails with DEADLINE_EXCEEDED at once, whatever the call's own timeout does and
  /// without waiting for the cancelled call to wind down (it runs in a task of its own, which
  /// inherits the request's task-local context). The first of the outcomes wins.
  private func withinDeadline(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let deadline = self.deadline
    let race = FirstOutcome()
    let work = Task {
      do {
        try await body()
        race.finish(.success(()))
      } catch {
        race.finish(.failure(error))
      }
    }
    let timer = Task {
      try? await Task.sleep(until: deadline, clock: .continuous)
      guard !Task.isCancelled else { return }
      work.cancel()
      race.finish(
        .failure(
          RPCError(code: .deadlineExceeded, message: "no answer within the view's deadline")
        )
      )
    }
    defer { timer.cancel() }
    let outcome = await withTaskCancellationHandler {
      await race.value()
    } onCancel: {
      work.cancel()
      race.finish(.failure(CancellationError()))
    }
    try outcome.get()
  }
}

/// The first of several outcomes, awaited once: an outcome that comes before the waiter is
/// kept for it, and later ones are dropped.
private final class FirstOutcome: Sendable {
  private enum State {
    case pending
    case finished(Result<Void, any Error>)
    case waiting(CheckedContinuation<Result<Void, any Error>, Never>)
    case done
  }

  private let state = NIOLockedValueBox(State.pending)

  func finish(_ outcome: Result<Void, any Error>) {
    let waiter: CheckedContinuation<Result<Void, any Error>, Never>? = self.state.withLockedValue {
      state in
      switch state {
      case .pending:
        state = .finished(outcome)
        return nil
      case .waiting(let continuation):
        state = .done
        return continuation
      case .finished, .done:
        return nil
      }
    }
    waiter?.resume(returning: outcome)
  }

  func value() async -> Result<Void, any Error> {
    await withCheckedContinuation { continuation in
      let ready: Result<Void, any Error>? = self.state.withLockedValue { state in
        switch state {
        case .finished(let outcome):
          state = .done
          return outcome
        case .pending:
          state = .waiting(continuation)
          return nil
        case .waiting, .done:
          return .failure(CancellationError())  // awaited once only
        }
      }
      if let ready { continuation.resume(returning: ready) }
    }
  }
}

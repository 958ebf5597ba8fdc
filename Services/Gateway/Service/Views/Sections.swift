import ERPProtos
import ERPRuntime
import ERPTransport
import GRPCCore

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
    _ domain: String,
    _ fetch: @escaping @Sendable (GRPCClient<ERPTransport.Client>, CallOptions) async throws -> Void
  ) async -> Erp_Gateway_V1_SectionStatus {
    var status = Erp_Gateway_V1_SectionStatus()
    status.section = section
    guard self.scopes.contains("\(domain):read") || self.scopes.contains("\(domain):write") else {
      status.code = "permission_denied"
      status.message = "the key lacks the scope \(domain):read"
      return status
    }
    do {
      try await self.withinDeadline {
        try await RequestContext.$deadline.withValue(self.deadline) {
          try await fetch(try self.peers.client(domain), self.options)
        }
      }
      status.available = true
    } catch let error as RPCError {
      status.code = "\(error.code)"
      status.message = error.message
    } catch {
      status.code = "unknown"
      status.message = "\(error)"
    }
    return status
  }

  /// Runs `body` until the sections' deadline at most: past it, `body` is cancelled and the
  /// section fails with DEADLINE_EXCEEDED, whatever the call's own timeout did.
  private func withinDeadline(_ body: @escaping @Sendable () async throws -> Void) async throws {
    let deadline = self.deadline
    let outcome = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
      group.addTask {
        do {
          return .success(try await body())
        } catch {
          return .failure(error)
        }
      }
      group.addTask {
        try? await Task.sleep(until: deadline, clock: .continuous)
        return nil
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first
    }
    guard let outcome else {
      throw RPCError(code: .deadlineExceeded, message: "no answer within the view's deadline")
    }
    try outcome.get()
  }
}

import ERPProtos
import ERPRuntime
import ERPTransport
import GRPCCore

/// Fetching the sections of a view concurrently under one deadline. Each section is a call
/// (or a few) to one domain service; it runs only if the key may read that domain, with a
/// client-side timeout of what is left of the deadline, and its failure marks it instead of
/// failing the view.
struct Sections: Sendable {
  let peers: PeerClients
  let scopes: Set<String>
  let deadline: ContinuousClock.Instant

  init(peers: PeerClients, scopes: Set<String>) {
    self.peers = peers
    self.scopes = scopes
    self.deadline = RequestContext.deadline ?? (.now + .seconds(2))
  }

  /// Call options whose timeout is what is left of the view's deadline.
  var options: CallOptions {
    var options = CallOptions.defaults
    options.timeout = max(.milliseconds(1), ContinuousClock.now.duration(to: self.deadline))
    return options
  }

  /// Runs `fetch` against `domain`'s client and reports the section's status.
  func fetch(
    _ section: String,
    _ domain: String,
    _ fetch: @Sendable (GRPCClient<ERPTransport.Client>, CallOptions) async throws -> Void
  ) async -> Erp_Gateway_V1_SectionStatus {
    var status = Erp_Gateway_V1_SectionStatus()
    status.section = section
    guard self.scopes.contains("\(domain):read") || self.scopes.contains("\(domain):write") else {
      status.code = "permission_denied"
      status.message = "the key lacks the scope \(domain):read"
      return status
    }
    do {
      try await RequestContext.$deadline.withValue(self.deadline) {
        try await fetch(try self.peers.client(domain), self.options)
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
}

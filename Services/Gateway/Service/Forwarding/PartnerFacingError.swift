import GRPCCore

/// What a partner is told when a call to a domain service fails: the service's name and what to
/// do, never an internal address, a connection's internals or a constraint. The transport's
/// errors (`no connection to 127.0.0.1:7104 … SingleConnectionFailure(…)`) and a service's
/// UNAVAILABLE become "<service> is unavailable; try again"; a deadline, a cancellation and an
/// INTERNAL or UNKNOWN get fixed messages; other codes are the service's own answer to the
/// request (NOT_FOUND, INVALID_ARGUMENT …, whose messages the services keep free of internals)
/// and pass through. Trailers pass through (`retry-after-ms` and the like).
enum PartnerFacingError {
  /// `body`'s result, its error as a partner should see it.
  static func mapping<T>(_ service: String, _ body: () throws -> T) throws -> T {
    do { return try body() } catch { throw Self.rpcError(for: error, service: service) }
  }

  static func rpcError(for error: any Error, service: String) -> RPCError {
    guard let error = error as? RPCError else {
      return RPCError(code: .unavailable, message: "\(service) is unavailable; try again")
    }
    let message: String
    switch error.code {
    case .unavailable: message = "\(service) is unavailable; try again"
    case .deadlineExceeded: message = "\(service) did not answer within the call's deadline"
    case .cancelled: message = "the call to \(service) was cancelled"
    case .internalError: message = "\(service) failed with an internal error"
    case .unknown: message = "\(service) failed"
    default: return RPCError(code: error.code, message: error.message, metadata: error.metadata)
    }
    return RPCError(code: error.code, message: message, metadata: error.metadata)
  }
}

import GRPCCore

/// What the access check tells the identity handlers about the call it let through: the
/// session it authenticated (for the methods that need one), the caller's address (sign-in's
/// throttle and the session's record) and the presented session token's digest (sign-out).
enum IdentityCall {
  struct Session: Sendable {
    var id: String
    var userID: String
    var tenant: String
    var scopes: Set<String>
    var ownRecordsOnly: Bool
  }

  @TaskLocal static var session: Session?
  @TaskLocal static var source = ""
  @TaskLocal static var presented: ApiKeyDigest?

  static func requireSession() throws -> Session {
    guard let session = Self.session else {
      throw GRPCCore.RPCError(
        code: .unauthenticated,
        message: "authorization: a session is required"
      )
    }
    return session
  }
}

public import GRPCCore

/// Refuses calls that do not carry the services' shared secret in `x-erp-service-secret`:
/// UNAUTHENTICATED, with the same message for a missing and a wrong secret.
public struct ServiceAuthInterceptor: ServerInterceptor {
  private let secret: [UInt8]

  public init(secret: String) {
    precondition(!secret.isEmpty, "the service secret must not be empty")
    self.secret = Array(secret.utf8)
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let presented = request.metadata.firstString(MetadataKeys.serviceSecret)
    guard let presented, Self.constantTimeEquals(Array(presented.utf8), self.secret) else {
      throw RPCError(code: .unauthenticated, message: "missing or invalid service credentials")
    }
    return try await next(request, context)
  }

  /// Compares without an early exit, so timing does not reveal how much of a guess was right.
  static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    SecretComparison.equal(a, b)
  }
}

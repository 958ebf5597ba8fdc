public import GRPCCore

/// For calls a service makes to another: adds the services' shared secret, and passes on the
/// tenant, the request id, the remaining deadline and the caller (``Caller``) of the call being
/// handled (from ``RequestContext``), unless the call sets them itself.
public struct DownstreamInterceptor: ClientInterceptor {
  private let secret: String

  public init(secret: String) {
    self.secret = secret
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws ->
      StreamingClientResponse<Output>
  ) async throws -> StreamingClientResponse<Output> {
    var request = request
    request.metadata.replaceOrAddString(self.secret, forKey: MetadataKeys.serviceSecret)
    func addIfAbsent(_ value: String?, _ key: String) {
      guard let value, request.metadata.firstString(key) == nil
      else { return }
      request.metadata.addString(value, forKey: key)
    }
    addIfAbsent(RequestContext.tenant?.slug, MetadataKeys.tenant)
    addIfAbsent(RequestContext.requestID, MetadataKeys.requestID)
    if let caller = RequestContext.caller, request.metadata.firstString(Caller.idKey) == nil {
      caller.add(to: &request.metadata)
    }
    // A call's own timeout, when set, replaces this: GRPCCore writes grpc-timeout after us.
    if let deadline = RequestContext.deadline {
      addIfAbsent(
        GRPCTimeout.format(ContinuousClock.now.duration(to: deadline)),
        MetadataKeys.timeout
      )
    }
    return try await next(request, context)
  }
}

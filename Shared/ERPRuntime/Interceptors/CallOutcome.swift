import GRPCCore

/// How a handled call ended, seen from a server interceptor. An interceptor cannot read this from
/// `next`'s return alone: an error thrown further in (by a later interceptor or the handler) comes
/// back as a rejected response, and a streaming body can still fail after `next` returned.
public enum CallOutcome {
  /// Calls `observe` exactly once with the call's final status code: when `next` throws, when it
  /// returns a rejection, or when the response's body has been produced (or failed).
  public static func observe<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>,
    _ observe: @escaping @Sendable (RPCError.Code?, String?) -> Void
  ) async throws -> StreamingServerResponse<Output> {
    var response: StreamingServerResponse<Output>
    do {
      response = try await next(request, context)
    } catch {
      Self.observe(error, observe)
      throw error
    }
    switch response.accepted {
    case .failure(let error):
      observe(error.code, error.message)
    case .success(var contents):
      let producer = contents.producer
      contents.producer = { writer in
        do {
          let trailers = try await producer(writer)
          observe(nil, nil)
          return trailers
        } catch {
          Self.observe(error, observe)
          throw error
        }
      }
      response.accepted = .success(contents)
    }
    return response
  }

  /// A thrown error's code as the caller will see it: an `RPCError`'s, or the status an
  /// `RPCErrorConvertible` error (a store error) becomes; anything else is UNKNOWN.
  private static func observe(
    _ error: any Error,
    _ observe: @Sendable (RPCError.Code?, String?) -> Void
  ) {
    if let error = error as? any RPCErrorConvertible {
      observe(error.rpcErrorCode, error.rpcErrorMessage)
    } else {
      observe(.unknown, "\(error)")
    }
  }
}

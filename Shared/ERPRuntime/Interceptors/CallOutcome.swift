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
    } catch let error as RPCError {
      observe(error.code, error.message)
      throw error
    } catch {
      observe(.unknown, "\(error)")
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
        } catch let error as RPCError {
          observe(error.code, error.message)
          throw error
        } catch {
          observe(.unknown, "\(error)")
          throw error
        }
      }
      response.accepted = .success(contents)
    }
    return response
  }
}

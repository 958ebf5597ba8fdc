public import ERPStore
import GRPCCore

/// What the server interceptors learned about the call being handled, for handlers and for the
/// downstream calls they make. Task-local, so it follows the handler into its child tasks.
public enum RequestContext {
  /// The tenant from `x-erp-tenant`, validated and known to be provisioned here.
  @TaskLocal public static var tenant: TenantID?
  /// The caller's idempotency / correlation id from `x-erp-request-id`, if any.
  @TaskLocal public static var requestID: String?
  /// When the call must be answered by, from its `grpc-timeout`.
  @TaskLocal public static var deadline: ContinuousClock.Instant?
  /// Who the call is made for (``Caller``), when someone is named.
  @TaskLocal public static var caller: Caller?

  /// The tenant of the current call; a handler of a tenant-scoped service can rely on it, since
  /// the tenant interceptor refuses calls without one.
  public static func requireTenant() throws -> TenantID {
    guard let tenant = Self.tenant else {
      throw RPCError(code: .internalError, message: "no tenant in the call's context")
    }
    return tenant
  }
}

extension RequestContext {
  /// Runs `next` with the call's tenant, and the request id and deadline from its metadata,
  /// bound, and binds them around the response's producer as well: a streaming handler writes
  /// its messages from the producer, which runs after `next` has returned. What a server
  /// interceptor that decides the tenant (the tenant interceptor, the gateway's key check) ends
  /// with. `caller` is the gateway's (from the key); a service passes nil and takes the one
  /// named in the metadata.
  public static func binding<Input: Sendable, Output: Sendable>(
    tenant: TenantID?,
    caller: Caller? = nil,
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    _ next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let requestID = request.metadata.firstString(MetadataKeys.requestID)
    let deadline = request.metadata.firstString(MetadataKeys.timeout)
      .flatMap(GRPCTimeout.parse).map { ContinuousClock.now + $0 }
    let caller = caller ?? Caller(metadata: request.metadata)
    @Sendable func bound<T>(_ body: () async throws -> T) async throws -> T {
      try await Self.$tenant.withValue(tenant) {
        try await Self.$caller.withValue(caller) {
          try await Self.$requestID.withValue(requestID) {
            try await Self.$deadline.withValue(deadline) {
              // The same deadline bounds the call's SQL (`statement_timeout`).
              try await StatementDeadline.$current.withValue(deadline) { try await body() }
            }
          }
        }
      }
    }
    var response = try await bound { try await next(request, context) }
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in try await bound { try await producer(writer) } }
      response.accepted = .success(contents)
    }
    return response
  }
}

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

  /// The tenant of the current call; a handler of a tenant-scoped service can rely on it, since
  /// the tenant interceptor refuses calls without one.
  public static func requireTenant() throws -> TenantID {
    guard let tenant = Self.tenant else {
      throw RPCError(code: .internalError, message: "no tenant in the call's context")
    }
    return tenant
  }
}

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

/// Metadata keys of our calls (lower case, as on the wire).
public enum MetadataKeys {
  public static let tenant = "x-erp-tenant"
  public static let requestID = "x-erp-request-id"
  public static let serviceSecret = "x-erp-service-secret"
  static let timeout = "grpc-timeout"
}

/// gRPC's `grpc-timeout` format: at most 8 digits and a unit (H, M, S, m, u, n).
enum GRPCTimeout {
  static func parse(_ text: String) -> Duration? {
    guard let unit = text.last, text.count >= 2, text.count <= 9,
      let amount = Int64(text.dropLast()), amount >= 0
    else { return nil }
    switch unit {
    case "H": return .seconds(amount * 3600)
    case "M": return .seconds(amount * 60)
    case "S": return .seconds(amount)
    case "m": return .milliseconds(amount)
    case "u": return .microseconds(amount)
    case "n": return .nanoseconds(amount)
    default: return nil
    }
  }

  /// The remaining time, in milliseconds (rounded up so a deadline never grows).
  static func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = max(
      0,
      seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    )
    return milliseconds < 100_000_000
      ? "\(milliseconds)m" : "\(min(milliseconds / 1000, 99_999_999))S"
  }
}

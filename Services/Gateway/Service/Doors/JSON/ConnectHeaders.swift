import ERPRuntime
import GRPCCore
import HTTPTypes
import NIOCore

/// The HTTP headers of a JSON call as the metadata the gateway's interceptors read, the way the
/// ERPT door receives them: `Authorization: Bearer <key>` becomes `x-erp-api-key` (a staff
/// session's `Bearer erps_…` stays `authorization`), `x-erp-tenant`,
/// `x-erp-request-id` and `x-erp-operator-token` pass as they are, a browser's `Origin` as
/// `origin`, and the caller's address as `x-erp-forwarded-for` (which the access control trusts
/// only from an in-process door). `Connect-Timeout-Ms` becomes the call's deadline. Nothing else
/// passes, and a value longer than ``maximumLength`` bytes is refused; `x-erp-service-secret` and
/// `x-erp-caller*` are refused with PERMISSION_DENIED (``OutsideMetadata``).
enum ConnectHeaders {
  static let maximumLength = 1024
  static let passed = [
    MetadataKeys.tenant, MetadataKeys.requestID, GatewayAccessInterceptor.apiKeyHeader,
    GatewayAccessInterceptor.operatorHeader,
  ]

  static func metadata(
    _ headers: HTTPFields,
    remote: SocketAddress?
  ) throws(ConnectError) -> Metadata {
    // A partner door: the platform's own headers are refused, not dropped (OutsideMetadata).
    if let name = headers.lazy.map(\.name.canonicalName).first(
      where: OutsideMetadata.isPlatformOnly
    ) {
      throw ConnectError(.permissionDenied, OutsideMetadata.message(name))
    }
    var metadata = Metadata()
    for name in Self.passed {
      if let value = try Self.value(headers, name) { metadata.addString(value, forKey: name) }
    }
    if let authorization = try Self.value(headers, "authorization") {
      let parts = authorization.split(separator: " ", maxSplits: 1)
      guard parts.count == 2, parts[0].lowercased() == "bearer" else {
        throw ConnectError(
          .unauthenticated,
          "authorization: expected Bearer <api key or session token>"
        )
      }
      let token = String(parts[1]).trimmingSpaces
      // A staff session's token goes on as the ERPT door receives it; anything else is a key.
      if token.hasPrefix(StaffSecret.sessionPrefix) {
        metadata.replaceOrAddString("Bearer \(token)", forKey: "authorization")
      } else {
        metadata.replaceOrAddString(token, forKey: GatewayAccessInterceptor.apiKeyHeader)
      }
    }
    if let origin = try Self.value(headers, "origin") {
      metadata.addString(origin, forKey: GatewayAccessInterceptor.originHeader)
    }
    if let remote {
      metadata.addString(Self.peer(remote), forKey: GatewayAccessInterceptor.forwardedForHeader)
    }
    return metadata
  }

  /// The call's options: its deadline from `Connect-Timeout-Ms` (at most ten digits).
  static func options(_ headers: HTTPFields) throws(ConnectError) -> CallOptions {
    var options = CallOptions.defaults
    if let raw = try Self.value(headers, "connect-timeout-ms") {
      guard raw.count <= 10, let milliseconds = Int64(raw), milliseconds > 0 else {
        throw ConnectError(.invalidArgument, "connect-timeout-ms: a positive whole number")
      }
      options.timeout = .milliseconds(milliseconds)
    }
    return options
  }

  private static func value(_ headers: HTTPFields, _ name: String) throws(ConnectError) -> String? {
    guard let field = HTTPField.Name(name), let value = headers[field] else { return nil }
    guard value.utf8.count <= Self.maximumLength else {
      throw ConnectError(.invalidArgument, "\(name): longer than \(Self.maximumLength) bytes")
    }
    return value
  }

  /// The transport's form of a peer (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`), which the access
  /// control reduces to the address.
  static func peer(_ address: SocketAddress) -> String {
    switch address {
    case .v4: "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
    case .v6: "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
    case .unixDomainSocket: "unix:\(address.pathname ?? "")"
    }
  }

  /// The response headers the call's metadata asks for: `X-RateLimit-Limit`/`-Remaining`, a
  /// `Retry-After` (whole seconds, rounded up) from `retry-after-ms`, and the CORS answer the
  /// access control gave.
  static func responseHeaders(_ metadata: Metadata) -> HTTPFields {
    var headers = HTTPFields()
    if let limit = metadata.firstString(GatewayAccessInterceptor.limitHeader) {
      headers[HTTPField.Name("X-RateLimit-Limit")!] = limit
    }
    if let remaining = metadata.firstString(GatewayAccessInterceptor.remainingHeader) {
      headers[HTTPField.Name("X-RateLimit-Remaining")!] = remaining
    }
    if let milliseconds = metadata.firstString("retry-after-ms").flatMap(Int.init) {
      headers[.retryAfter] = String(max(1, (milliseconds + 999) / 1000))
    }
    if let origin = metadata.firstString(GatewayAccessInterceptor.allowedOriginHeader) {
      headers[.accessControlAllowOrigin] = origin
      headers[.vary] = "Origin"
    }
    return headers
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}

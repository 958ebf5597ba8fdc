import ERPRuntime
import ERPStore
import GRPCCore
import Logging

/// Who may call the gateway. `TenantAdmin` needs the services' shared secret. Operator services (`erp.gateway.v1`, but `Views`) need the operator token.
/// Everything else is a partner call: the API key (`x-erp-api-key`) must exist, be neither
/// revoked nor expired, belong to an active tenant and carry the method's scope; the tenant is
/// the key's, never what the partner sends (an `x-erp-tenant` naming another tenant is
/// PERMISSION_DENIED); the key's token bucket must have a token (else RESOURCE_EXHAUSTED with
/// `retry-after-ms` in the trailers). Partner calls are written to the audit log with their
/// outcome. The tenant, request id and deadline reach the forwarder through ``RequestContext``.
struct GatewayAccessInterceptor: ServerInterceptor {
  static let apiKeyHeader = "x-erp-api-key"
  static let operatorHeader = "x-erp-operator-token"

  let pool: ConnectionPool
  let operatorToken: String
  /// The services' shared secret: `TenantAdmin`, which every service serves, is for the
  /// platform's own callers (the launcher), as everywhere else.
  let serviceSecret: String
  let limiter: RateLimiter
  let grants: GrantCache
  let logger: Logger

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let service = context.descriptor.service.fullyQualifiedService
    if service == "erp.common.v1.TenantAdmin" {
      guard request.metadata.firstString(MetadataKeys.serviceSecret) == self.serviceSecret else {
        throw RPCError(
          code: .unauthenticated,
          message: "\(MetadataKeys.serviceSecret): not the services' secret"
        )
      }
      return try await next(request, context)
    }
    let isView = service == "erp.gateway.v1.Views"
    if service.hasPrefix("erp.gateway.v1.") && !isView {
      guard !self.operatorToken.isEmpty,
        request.metadata.firstString(Self.operatorHeader) == self.operatorToken
      else {
        throw RPCError(
          code: .unauthenticated,
          message: "\(Self.operatorHeader): operator token required"
        )
      }
      return try await next(request, context)
    }
    let scope = MethodScope(context.descriptor)
    guard scope != nil || isView else {
      throw RPCError(
        code: .unimplemented,
        message: "\(context.descriptor.fullyQualifiedMethod) is not served here"
      )
    }
    guard let secret = request.metadata.firstString(Self.apiKeyHeader) else {
      throw RPCError(
        code: .unauthenticated,
        message: "\(Self.apiKeyHeader): an API key is required"
      )
    }
    guard
      let grant = try await mappingStoreErrors({
        try await self.grants.grant(secret) {
          try await ApiKeyStore.grant(self.pool, secret: secret)
        }
      })
    else {
      throw RPCError(code: .unauthenticated, message: "\(Self.apiKeyHeader): unknown key")
    }
    guard !grant.revoked else {
      throw RPCError(code: .unauthenticated, message: "\(Self.apiKeyHeader): the key is revoked")
    }
    guard !grant.expired else {
      throw RPCError(code: .unauthenticated, message: "\(Self.apiKeyHeader): the key has expired")
    }
    guard grant.tenantStatus == "active" else {
      throw RPCError(
        code: .permissionDenied,
        message: "tenant \(grant.tenant) is \(grant.tenantStatus)"
      )
    }
    if let claimed = request.metadata.firstString(MetadataKeys.tenant), claimed != grant.tenant {
      throw RPCError(
        code: .permissionDenied,
        message:
          "\(MetadataKeys.tenant): this key belongs to another tenant than \(quoted(claimed))"
      )
    }
    if let scope, !scope.allowed(by: grant.scopes) {
      throw RPCError(code: .permissionDenied, message: "the key lacks the scope \(scope.required)")
    }
    if let wait = self.limiter.take(grant.keyID, rate: grant.ratePerSecond, burst: grant.burst) {
      var trailers = Metadata()
      trailers.addString(String(Self.milliseconds(wait)), forKey: "retry-after-ms")
      throw RPCError(
        code: .resourceExhausted,
        message: "rate limit of key \(grant.keyID) reached; retry later",
        metadata: trailers
      )
    }

    let tenant = try TenantID(validating: grant.tenant)
    let started = ContinuousClock.now
    let pool = self.pool
    let logger = self.logger
    let method = context.descriptor.fullyQualifiedMethod
    return try await CallOutcome.observe(
      request: request,
      context: context,
      next: { request, context in
        try await GrantedScopes.$current.withValue(grant.scopes) {
          try await RequestContext.binding(tenant: tenant, request: request, context: context, next)
        }
      }
    ) { code, _ in
      let milliseconds = Self.milliseconds(started.duration(to: .now))
      Task {
        do {
          try await pool.withSession { session in
            try await session.query(
              "INSERT INTO gateway.audit (key_id, tenant_id, method, code, milliseconds) VALUES ($1, $2, $3, $4, $5)",
              [grant.keyID, grant.tenant, method, code.map { "\($0)" } ?? "OK", milliseconds]
            )
          }
        } catch {
          logger.warning("audit of \(method) not written: \(error)")
        }
      }
    }
  }

  static func milliseconds(_ duration: Duration) -> Int {
    Int(
      duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    )
  }
}

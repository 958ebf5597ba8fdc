import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import Logging

/// Who may call the gateway. `TenantAdmin` needs the services' shared secret. Operator services
/// (`erp.gateway.v1`, but `Views`) need the operator token. Secrets and tokens are compared with
/// ``SecretComparison`` only.
/// Everything else is a partner call: the API key (`x-erp-api-key`) must exist, be neither
/// revoked nor expired, belong to an active tenant and carry the method's scope; the tenant is
/// the key's, never what the partner sends (an `x-erp-tenant` naming another tenant is
/// PERMISSION_DENIED); the key's token bucket must have a token (else RESOURCE_EXHAUSTED with
/// `retry-after-ms` in the trailers). Failed authentications (unknown, revoked or expired keys,
/// wrong secrets or tokens) take a token from a bucket per source address; while it is empty,
/// that address's calls are refused with RESOURCE_EXHAUSTED and `retry-after-ms` before any key
/// is looked up, so guessing keys costs the database nothing. Partner calls are written to the
/// audit log with their outcome (``AuditLog``; none is served unaudited). The tenant, request id
/// and deadline reach the forwarder through ``RequestContext``.
///
/// Every answer to a partner call carries the key's bucket as `x-ratelimit-limit` (the burst) and
/// `x-ratelimit-remaining` (whole tokens left); an answer refused before a key was found carries
/// the caller address's bucket of failed authentications instead. A call that names a web
/// `origin` (the JSON door passes a browser's `Origin`) must name one of the key's allowed
/// origins. A call from outside that names a caller (`x-erp-caller*`) is PERMISSION_DENIED
/// (``OutsideMetadata``); only `TenantAdmin` and `Events`, the platform's calls, may. Calls from
/// the gateway's own doors in this process (``JSONDoor``) name the partner's
/// address in `x-erp-forwarded-for`, which counts as the caller's address only for them.
struct GatewayAccessInterceptor: ServerInterceptor {
  static let apiKeyHeader = "x-erp-api-key"
  static let operatorHeader = "x-erp-operator-token"
  static let originHeader = "origin"
  static let forwardedForHeader = "x-erp-forwarded-for"
  static let limitHeader = "x-ratelimit-limit"
  static let remainingHeader = "x-ratelimit-remaining"
  /// Answered when the call's `origin` is one of the key's: the JSON door's CORS header.
  static let allowedOriginHeader = "access-control-allow-origin"
  /// Failed authentications allowed per source address: a burst, then so many a second.
  static let failureBurst = 20
  static let failureRate = 2

  let pool: ConnectionPool
  let operatorToken: String
  /// The services' shared secret: `TenantAdmin`, which every service serves, is for the
  /// platform's own callers (the launcher), as everywhere else.
  let serviceSecret: String
  let limiter: RateLimiter
  /// Failed authentications, per source address (``PeerAddress``).
  let failures: RateLimiter
  let grants: GrantCache
  let audit: AuditLog
  let logger: Logger
  /// The staff sessions' expiry and the clock they go by.
  var identity = IdentitySettings()

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let peer = PeerAddress.host(of: Self.caller(request.metadata, context))
    if let wait = self.failures.wait(peer, rate: Self.failureRate, burst: Self.failureBurst) {
      throw Self.exhausted(
        "too many failed authentications from this address",
        wait: wait,
        limit: Self.failureBurst
      )
    }
    let service = context.descriptor.service.fullyQualifiedService
    if service == "erp.common.v1.TenantAdmin" {
      try self.requireServiceSecret(request.metadata, peer: peer)
      return try await next(request, context)
    }
    if service == "erp.gateway.v1.Events" {
      return try await self.serviceCall(request, context, peer: peer, next)
    }
    // Every other call comes from outside: the caller's identity is the gateway's to set.
    try OutsideMetadata.refuseCaller(in: request.metadata)
    let ownService = GatewayMethodScope.services.contains(service)
    let isIdentity = service == IdentityScope.identityService
    if isIdentity, IdentityScope.open.contains(context.descriptor.method) {
      return try await self.openIdentityCall(request, context, peer: peer, next)
    }
    if service.hasPrefix("erp.gateway.v1.") && !ownService {
      guard !self.operatorToken.isEmpty,
        let presented = request.metadata.firstString(Self.operatorHeader),
        SecretComparison.equal(presented, self.operatorToken)
      else {
        throw self.failed(
          peer,
          code: .unauthenticated,
          message: "\(Self.operatorHeader): operator token required"
        )
      }
      return try await next(request, context)
    }
    let scope = MethodScope(context.descriptor)
    guard scope != nil || ownService else {
      throw RPCError(
        code: .unimplemented,
        message: "\(context.descriptor.fullyQualifiedMethod) is not served here"
      )
    }
    let grant = try await self.grant(request.metadata, peer: peer, domain: scope?.domain)
    if isIdentity, grant.session == nil {
      throw RPCError(
        code: .unauthenticated,
        message: "authorization: a staff session is required (an API key is no person)"
      )
    }
    guard !grant.revoked else {
      throw self.failed(
        peer,
        code: .unauthenticated,
        message: "\(Self.apiKeyHeader): the key is revoked"
      )
    }
    guard !grant.expired else {
      throw self.failed(
        peer,
        code: .unauthenticated,
        message: "\(Self.apiKeyHeader): the key has expired"
      )
    }
    guard grant.tenantStatus == "active" else {
      throw self.refused(grant, "tenant \(grant.tenant) is \(grant.tenantStatus)")
    }
    if let claimed = request.metadata.firstString(MetadataKeys.tenant), claimed != grant.tenant {
      throw self.refused(
        grant,
        "\(MetadataKeys.tenant): this \(grant.noun) belongs to another tenant than \(quoted(claimed))"
      )
    }
    if let scope, !scope.allowed(by: grant.scopes) {
      throw self.refused(grant, "the \(grant.holder) lacks the scope \(scope.required)")
    }
    if let required = GatewayMethodScope.required(context.descriptor),
      !GatewayMethodScope.allowed(required, by: grant.scopes)
    {
      throw self.refused(grant, "the \(grant.holder) lacks the scope \(required)")
    }
    if let origin = request.metadata.firstString(Self.originHeader),
      !grant.allowedOrigins.contains(origin)
    {
      throw self.refused(
        grant,
        "origin: \(quoted(origin)) is not among this \(grant.noun)'s allowed origins"
      )
    }
    let bucket = self.limiter.taking(grant.keyID, rate: grant.ratePerSecond, burst: grant.burst)
    if let wait = bucket.wait {
      throw Self.exhausted(
        "rate limit of \(grant.noun) \(grant.keyID) reached; retry later",
        wait: wait,
        limit: grant.burst
      )
    }
    guard self.audit.hasRoom else {
      throw RPCError(
        code: .unavailable,
        message: "the gateway cannot write its audit log at the moment; retry later"
      )
    }

    let tenant = try TenantID(validating: grant.tenant)
    let started = ContinuousClock.now
    let at = Date()
    let audit = self.audit
    let method = context.descriptor.fullyQualifiedMethod
    var limits = Self.limits(grant.burst, remaining: bucket.remaining)
    if let origin = request.metadata.firstString(Self.originHeader) {
      limits.addString(origin, forKey: Self.allowedOriginHeader)
    }
    // A session's caller is `user:<id>`, and carries the record rule of the user's roles for
    // this call's domain: the owning service enforces it (``RecordRules``).
    let caller = Caller(
      id: grant.keyID,
      scopes: grant.scopes,
      ownRecordsOnly: grant.session?.ownRecordsOnly ?? false
    )
    let capture = AuditCapture()
    let audited = AuditedRecord.byMethod[method] ?? AuditedRecord()
    let metadataRequestID = request.metadata.firstString(MetadataKeys.requestID)
    let readOnly = scope?.readOnly ?? AuditScope.readOnly(context.descriptor)
    do {
      var response = try await CallOutcome.observe(
        request: capture.watching(request),
        context: context,
        next: { request, context in
          try await GrantedScopes.$current.withValue(grant.scopes) {
            try await IdentityCall.$session.withValue(grant.session) {
              capture.watching(
                try await RequestContext.binding(
                  tenant: tenant,
                  caller: caller,
                  request: request,
                  context: context,
                  next
                )
              )
            }
          }
        }
      ) { code, _ in
        audit.record(
          AuditLog.Row(
            keyID: caller.id,
            tenant: grant.tenant,
            method: method,
            code: code.map { "\($0)" } ?? "OK",
            milliseconds: Self.milliseconds(started.duration(to: .now)),
            at: at,
            recordID: audited.recordID(request: capture.request, answer: capture.answer),
            requestID: audited.requestID(request: capture.request, metadata: metadataRequestID),
            sourceAddress: peer,
            readOnly: readOnly
          )
        )
      }
      response.metadata.add(contentsOf: limits)
      return response
    } catch var error as RPCError {
      error.metadata.add(contentsOf: limits)
      throw error
    }
  }

  /// Who called: the transport's peer, or for the gateway's own in-process doors the partner's
  /// address they pass on.
  static func caller(_ metadata: Metadata, _ context: ServerContext) -> String {
    if context.remotePeer.hasPrefix("in-process"),
      let forwarded = metadata.firstString(Self.forwardedForHeader)
    {
      return forwarded
    }
    return context.remotePeer
  }

  /// The rate-limit metadata of a bucket of `limit` with `remaining` whole tokens.
  static func limits(_ limit: Int, remaining: Int) -> Metadata {
    var metadata = Metadata()
    metadata.addString(String(limit), forKey: Self.limitHeader)
    metadata.addString(String(remaining), forKey: Self.remainingHeader)
    return metadata
  }

  /// A call of the platform's own services (`Events`): the services' secret, and the tenant
  /// they act for in `x-erp-tenant`, as every service-to-service call.
  private func serviceCall<Input: Sendable, Output: Sendable>(
    _ request: StreamingServerRequest<Input>,
    _ context: ServerContext,
    peer: String,
    _ next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    try self.requireServiceSecret(request.metadata, peer: peer)
    guard let claimed = request.metadata.firstString(MetadataKeys.tenant) else {
      throw RPCError(code: .invalidArgument, message: "\(MetadataKeys.tenant): required")
    }
    let tenant = try TenantID(validating: claimed)
    return try await RequestContext.binding(
      tenant: tenant,
      request: request,
      context: context,
      next
    )
  }

  /// The services' secret, or a failed authentication.
  private func requireServiceSecret(_ metadata: Metadata, peer: String) throws {
    guard let presented = metadata.firstString(MetadataKeys.serviceSecret),
      SecretComparison.equal(presented, self.serviceSecret)
    else {
      throw self.failed(
        peer,
        code: .unauthenticated,
        message: "\(MetadataKeys.serviceSecret): not the services' secret"
      )
    }
  }

  /// A failed authentication: counted against the caller's address, then thrown.
  func failed(_ peer: String, code: RPCError.Code, message: String) -> RPCError {
    let bucket = self.failures.taking(peer, rate: Self.failureRate, burst: Self.failureBurst)
    return RPCError(
      code: code,
      message: message,
      metadata: Self.limits(Self.failureBurst, remaining: bucket.remaining)
    )
  }

  /// PERMISSION_DENIED for a known key (wrong tenant, scope or origin), with the key's bucket as
  /// it stands: the refusal takes no token, but its answer carries `x-ratelimit-*` like every
  /// other answer to the key.
  private func refused(_ grant: ApiKeyStore.Grant, _ message: String) -> RPCError {
    let remaining = self.limiter.remaining(
      grant.keyID,
      rate: grant.ratePerSecond,
      burst: grant.burst
    )
    return RPCError(
      code: .permissionDenied,
      message: message,
      metadata: Self.limits(grant.burst, remaining: remaining)
    )
  }

  /// RESOURCE_EXHAUSTED with the wait in `retry-after-ms`, from a bucket of `limit`.
  private static func exhausted(_ message: String, wait: Duration, limit: Int) -> RPCError {
    var trailers = Self.limits(limit, remaining: 0)
    trailers.addString(String(Self.milliseconds(wait)), forKey: "retry-after-ms")
    return RPCError(code: .resourceExhausted, message: message, metadata: trailers)
  }

  static func milliseconds(_ duration: Duration) -> Int {
    Int(
      duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    )
  }
}

/// The caller's address without its port, from the transport's `remotePeer`
/// (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`, `unix:/path`): the unit failed authentications
/// are limited by (a client opening new connections gets new ports, not new addresses).
enum PeerAddress {
  static func host(of peer: String) -> String {
    if peer.hasPrefix("ipv6:["), let end = peer.lastIndex(of: "]") {
      return String(peer[...end])
    }
    if peer.hasPrefix("ipv4:"), let colon = peer.lastIndex(of: ":"),
      colon > peer.index(peer.startIndex, offsetBy: 4)
    {
      return String(peer[..<colon])
    }
    return peer
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The services of staff accounts and which of their methods need no credential.
enum IdentityScope {
  static let identityService = "erp.gateway.v1.Identity"
  static let usersService = "erp.gateway.v1.Users"
  /// Identity's methods called before there is a session (SignOut presents one, if any).
  static let open: Set<String> = ["SignIn", "AcceptInvitation", "ResetPassword", "SignOut"]
}

extension GatewayAccessInterceptor {
  static let authorizationHeader = "authorization"

  /// The bearer token of `authorization: Bearer <token>`, if the call names one.
  static func bearer(_ metadata: Metadata) -> String? {
    guard let value = metadata.firstString(Self.authorizationHeader) else { return nil }
    let parts = value.split(separator: " ", maxSplits: 1)
    guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
    return parts[1].trimmingCharacters(in: .whitespaces)
  }

  /// What the call's credential allows: a staff session (`authorization: Bearer erps_…`) or an
  /// API key (`x-erp-api-key`, or a bearer token that is no session token). A session is read
  /// through ``GrantCache`` (the identity calls that end sessions or change what they allow
  /// forget it there); one revoked, of a user no longer active, idle too long or past its
  /// absolute expiry is UNAUTHENTICATED, and counts as a failed authentication of the address.
  func grant(
    _ metadata: Metadata,
    peer: String,
    domain: ERPDomain?
  ) async throws -> ApiKeyStore.Grant {
    let bearer = Self.bearer(metadata)
    if let bearer, let digest = StaffSecret.sessionDigest(bearer) {
      return try await self.sessionGrant(digest, peer: peer, domain: domain)
    }
    guard let secret = metadata.firstString(Self.apiKeyHeader) ?? bearer else {
      throw self.failed(
        peer,
        code: .unauthenticated,
        message: "\(Self.apiKeyHeader): an API key (or authorization: Bearer <session>) is required"
      )
    }
    let digest = ApiKeyDigest(secret: secret)
    guard
      let grant = try await mappingStoreErrors({
        try await self.grants.grant(digest) {
          try await ApiKeyStore.grant(self.pool, digest: digest)
        }
      })
    else {
      throw self.failed(peer, code: .unauthenticated, message: "\(Self.apiKeyHeader): unknown key")
    }
    return grant
  }

  private func sessionGrant(
    _ digest: ApiKeyDigest,
    peer: String,
    domain: ERPDomain?
  ) async throws -> ApiKeyStore.Grant {
    let found = try await mappingStoreErrors {
      try await self.grants.session(digest) {
        try await StaffSessions.principal(self.pool, digest: digest)
      }
    }
    guard let principal = found else {
      throw self.failed(peer, code: .unauthenticated, message: "authorization: unknown session")
    }
    let now = self.identity.clock.now(principal.tenant)
    let ended: String? =
      if principal.revoked {
        "the session was revoked"
      } else if principal.userStatus != "active" {
        "the user is deactivated"
      } else if now >= principal.expires
        || now >= principal.lastSeen.addingTimeInterval(self.identity.sessionIdle)
      {
        "the session has expired"
      } else { nil }
    if let ended {
      throw self.failed(peer, code: .unauthenticated, message: "authorization: \(ended)")
    }
    if principal.lastSeen.addingTimeInterval(60) < now {
      try await mappingStoreErrors {
        try await StaffSessions.touch(self.pool, id: principal.sessionID, now: now)
      }
      self.grants.sessionSeen(digest, at: now)
    }
    let scopes = principal.roles.scopes
    return ApiKeyStore.Grant(
      keyID: "user:\(principal.userID)",
      tenant: principal.tenant,
      scopes: scopes,
      expired: false,
      revoked: false,
      tenantStatus: principal.tenantStatus,
      ratePerSecond: self.identity.userRate,
      burst: self.identity.userBurst,
      session: IdentityCall.Session(
        id: principal.sessionID,
        userID: principal.userID,
        tenant: principal.tenant,
        scopes: scopes,
        ownRecordsOnly: principal.roles.ownRecordsOnly(domain)
      )
    )
  }

  /// The tenant SignIn names in `x-erp-tenant` (required); nil for the other open methods.
  private static func signInTenant(
    _ metadata: Metadata,
    _ descriptor: MethodDescriptor
  ) throws -> TenantID? {
    guard descriptor.method == "SignIn" else { return nil }
    guard let claimed = metadata.firstString(MetadataKeys.tenant) else {
      throw RPCError(
        code: .invalidArgument,
        message: "\(MetadataKeys.tenant): required to sign in (the tenant of the account)"
      )
    }
    return try TenantID(validating: claimed)
  }

  /// SignIn, AcceptInvitation, ResetPassword and SignOut: no credential. SignIn's tenant is the
  /// one `x-erp-tenant` names (the only call where a partner-sent tenant counts: there is no
  /// credential to take it from). A call answered UNAUTHENTICATED (a wrong password, a bad
  /// token) counts as a failed authentication of the caller's address, whose bucket refuses the
  /// address for a while once empty (checked before every call).
  func openIdentityCall<Input: Sendable, Output: Sendable>(
    _ request: StreamingServerRequest<Input>,
    _ context: ServerContext,
    peer: String,
    _ next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let tenant: TenantID? = try Self.signInTenant(request.metadata, context.descriptor)
    let presented = Self.bearer(request.metadata).flatMap(StaffSecret.sessionDigest)
    let failures = self.failures
    return try await CallOutcome.observe(
      request: request,
      context: context,
      next: { request, context in
        try await IdentityCall.$source.withValue(peer) {
          try await IdentityCall.$presented.withValue(presented) {
            try await RequestContext.binding(
              tenant: tenant,
              request: request,
              context: context,
              next
            )
          }
        }
      }
    ) { code, _ in
      if code == .unauthenticated {
        _ = failures.take(peer, rate: Self.failureRate, burst: Self.failureBurst)
      }
    }
  }
}

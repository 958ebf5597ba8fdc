public import ERPProtos

/// Partner API keys as the client library issues them (the connection carries the operator
/// token): the request with every setting a partner's key has, web origins included.
public enum PartnerKeys {
  /// `allowedOrigins`: the web origins (`scheme://host[:port]`, at most 20) whose pages may use
  /// the key at the JSON door (CORS); none by default, which refuses every browser call.
  /// `ratePerSecond` and `burst` of 0 take the gateway's defaults.
  public static func issueRequest(
    tenant: String,
    name: String,
    scopes: [String],
    allowedOrigins: [String] = [],
    expiresAt: Int64 = 0,
    ratePerSecond: Int32 = 0,
    burst: Int32 = 0
  ) -> Erp_Gateway_V1_IssueKeyRequest {
    var request = Erp_Gateway_V1_IssueKeyRequest()
    request.tenantID = tenant
    request.name = name
    request.scopes = scopes
    request.allowedOrigins = allowedOrigins
    request.expiresAt = expiresAt
    request.ratePerSecond = ratePerSecond
    request.burst = burst
    return request
  }
}

extension GatewayClients {
  /// Issues a partner key (operator token); the answer's `secret` is shown only here.
  public func issueKey(
    tenant: String,
    name: String,
    scopes: [String],
    allowedOrigins: [String] = []
  ) async throws -> Erp_Gateway_V1_IssuedKey {
    try await self.apiKeys.issueKey(
      PartnerKeys.issueRequest(
        tenant: tenant,
        name: name,
        scopes: scopes,
        allowedOrigins: allowedOrigins
      )
    )
  }
}

public import ERPProtos
public import ERPTransport
public import GRPCCore

/// The partner client library: a connection to the gateway carrying an API key (and, for
/// operators, the operator token), and the generated clients of every service behind it. The
/// gateway takes the tenant from the key, so nothing else is needed.
///
/// ```swift
/// try await GatewayConnection.with(address: "erp.example:7100", apiKey: key) { erp in
///   let found = try await erp.customers.searchCustomers(.with { $0.query = "النور" })
/// }
/// ```
public enum GatewayConnection {
  /// Runs `body` with a connection to the gateway at `address` ("host:port"); `interceptors`
  /// run after the one adding the credentials, and `serviceConfig` is the client's (retries:
  /// ``RetryingUnavailable``).
  public static func with<T: Sendable>(
    address: String,
    apiKey: String? = nil,
    operatorToken: String? = nil,
    interceptors: [any ClientInterceptor] = [],
    serviceConfig: ServiceConfig = ServiceConfig(),
    _ body: @Sendable (GatewayClients) async throws -> T
  ) async throws -> T {
    guard let target = ERPTransport.Client.Target(address) else {
      throw RPCError(code: .invalidArgument, message: "address: \"\(address)\" is not host:port")
    }
    var config = ERPTransport.Client.Config()
    config.serviceConfig = serviceConfig
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [target], config: config),
      interceptors: [
        CredentialsInterceptor(apiKey: apiKey, operatorToken: operatorToken)
          as any ClientInterceptor
      ] + interceptors
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      return try await body(GatewayClients(grpc: client))
    }
  }
}

/// Adds the partner's API key and the operator's token to every call. A staff session token
/// (`erps_…`, from Identity.SignIn) given as the key goes as `authorization: Bearer <token>`.
struct CredentialsInterceptor: ClientInterceptor {
  let apiKey: String?
  let operatorToken: String?

  func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingClientRequest<Input>,
    context: ClientContext,
    next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<
      Output
    >
  ) async throws -> StreamingClientResponse<Output> {
    var request = request
    if let apiKey, apiKey.hasPrefix("erps_") {
      request.metadata.replaceOrAddString("Bearer \(apiKey)", forKey: "authorization")
    } else if let apiKey {
      request.metadata.replaceOrAddString(apiKey, forKey: "x-erp-api-key")
    }
    if let operatorToken {
      request.metadata.replaceOrAddString(operatorToken, forKey: "x-erp-operator-token")
    }
    return try await next(request, context)
  }
}

/// The generated client of every service the gateway serves, over one connection: each domain's
/// services and the gateway's own (`erp.customers`, `erp.scheduling`, `erp.tenants`…), from the
/// catalog generated from the contracts (``ERPServiceConnection``), so none can be missing.
public struct GatewayClients: ERPServiceConnection {
  public typealias Transport = ERPTransport.Client
  public let grpc: GRPCClient<Transport>
}

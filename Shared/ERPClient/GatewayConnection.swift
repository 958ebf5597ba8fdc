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
  /// Runs `body` with a connection to the gateway at `address` ("host:port").
  public static func with<T: Sendable>(
    address: String,
    apiKey: String? = nil,
    operatorToken: String? = nil,
    _ body: @Sendable (GatewayClients) async throws -> T
  ) async throws -> T {
    guard let target = ERPTransport.Client.Target(address) else {
      throw RPCError(code: .invalidArgument, message: "address: \"\(address)\" is not host:port")
    }
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [target]),
      interceptors: [CredentialsInterceptor(apiKey: apiKey, operatorToken: operatorToken)]
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      return try await body(GatewayClients(grpc: client))
    }
  }
}

/// Adds the partner's API key and the operator's token to every call.
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
    if let apiKey { request.metadata.replaceOrAddString(apiKey, forKey: "x-erp-api-key") }
    if let operatorToken {
      request.metadata.replaceOrAddString(operatorToken, forKey: "x-erp-operator-token")
    }
    return try await next(request, context)
  }
}

/// The generated client of every service the gateway serves, over one connection.
public struct GatewayClients: Sendable {
  public typealias Transport = ERPTransport.Client
  public let grpc: GRPCClient<Transport>

  public var tenants: Erp_Gateway_V1_Tenants.Client<Transport> { .init(wrapping: self.grpc) }
  public var apiKeys: Erp_Gateway_V1_ApiKeys.Client<Transport> { .init(wrapping: self.grpc) }
  public var views: Erp_Gateway_V1_Views.Client<Transport> { .init(wrapping: self.grpc) }
  public var customers: Erp_Customers_V1_Customers.Client<Transport> { .init(wrapping: self.grpc) }
  public var interactions: Erp_Customers_V1_Interactions.Client<Transport> {
    .init(wrapping: self.grpc)
  }
  public var pipeline: Erp_Customers_V1_Pipeline.Client<Transport> { .init(wrapping: self.grpc) }
  public var insights: Erp_Customers_V1_Insights.Client<Transport> { .init(wrapping: self.grpc) }
  public var ledger: Erp_Finance_V1_Ledger.Client<Transport> { .init(wrapping: self.grpc) }
  public var billing: Erp_Finance_V1_Billing.Client<Transport> { .init(wrapping: self.grpc) }
  public var catalog: Erp_Supplychain_V1_Catalog.Client<Transport> { .init(wrapping: self.grpc) }
  public var stock: Erp_Supplychain_V1_Stock.Client<Transport> { .init(wrapping: self.grpc) }
  public var purchasing: Erp_Supplychain_V1_Purchasing.Client<Transport> {
    .init(wrapping: self.grpc)
  }
  public var shipping: Erp_Supplychain_V1_Shipping.Client<Transport> { .init(wrapping: self.grpc) }
  public var people: Erp_Hr_V1_People.Client<Transport> { .init(wrapping: self.grpc) }
  public var payroll: Erp_Hr_V1_Payroll.Client<Transport> { .init(wrapping: self.grpc) }
  public var orders: Erp_Sales_V1_Orders.Client<Transport> { .init(wrapping: self.grpc) }
  public var salesReports: Erp_Sales_V1_SalesReports.Client<Transport> {
    .init(wrapping: self.grpc)
  }
}

public import ERPClient
public import ERPProtos
public import ERPTransport
public import GRPCCore

/// The console's one client of the gateway (over ERPT, one connection shared by every request):
/// each call carries the signed-in user's session token, so the gateway applies that user's
/// scopes and record rules; the console itself has no credential and no data of its own.
public struct ConsoleGateway: Sendable {
  /// Every service's generated client over the one connection (the catalog's flat names:
  /// `identity`, `views`, `customers`…).
  struct Link: ERPServiceConnection {
    let grpc: GRPCClient<ERPTransport.Client>
  }

  let clients: Link

  /// How long a page waits for one gateway call: a page never hangs on a slow service.
  static let callTimeout = Duration.seconds(5)

  public init(_ clients: GatewayClients) {
    self.clients = Link(grpc: clients.grpc)
  }

  /// Over a client the caller runs (tests; a client that never connects for pages that call
  /// nothing).
  public init(_ grpc: GRPCClient<ERPTransport.Client>) {
    self.clients = Link(grpc: grpc)
  }

  var options: CallOptions {
    var options = CallOptions.defaults
    options.timeout = Self.callTimeout
    return options
  }

  /// The metadata of a call made for the holder of `token` (`authorization: Bearer erps_…`).
  static func session(_ token: String) -> Metadata {
    ["authorization": .string("Bearer \(token)")]
  }

  func signIn(
    tenant: String,
    email: String,
    password: String,
    code: String
  ) async throws -> Erp_Gateway_V1_SignInResponse {
    var request = Erp_Gateway_V1_SignInRequest()
    request.email = email
    request.password = password
    request.totpCode = code
    return try await self.clients.identity.signIn(
      request,
      metadata: ["x-erp-tenant": .string(tenant)],
      options: self.options
    )
  }

  func signOut(_ token: String) async throws {
    _ = try await self.clients.identity.signOut(
      .init(),
      metadata: Self.session(token),
      options: self.options
    )
  }

  func me(_ token: String) async throws -> Erp_Gateway_V1_MeResponse {
    try await self.clients.identity.me(
      .init(),
      metadata: Self.session(token),
      options: self.options
    )
  }

  func dashboard(_ token: String) async throws -> Erp_Gateway_V1_TenantDashboardView {
    try await self.clients.views.tenantDashboard(
      .init(),
      metadata: Self.session(token),
      options: self.options
    )
  }

  /// One page of customers: the search's when `query` is not empty, else the list by name.
  func customers(
    _ token: String,
    query: String,
    page: Erp_Common_V1_PageRequest
  ) async throws -> (customers: [Erp_Customers_V1_Customer], next: String) {
    if query.isEmpty {
      var request = Erp_Customers_V1_ListCustomersRequest()
      request.page = page
      let answer = try await self.clients.customers.listCustomers(
        request,
        metadata: Self.session(token),
        options: self.options
      )
      return (answer.customers, answer.page.nextPageToken)
    }
    var request = Erp_Customers_V1_SearchCustomersRequest()
    request.query = query
    request.page = page
    let answer = try await self.clients.customers.searchCustomers(
      request,
      metadata: Self.session(token),
      options: self.options
    )
    return (answer.results.map(\.customer), answer.page.nextPageToken)
  }

  func customer360(_ token: String, id: String) async throws -> Erp_Gateway_V1_Customer360View {
    var request = Erp_Gateway_V1_Customer360Request()
    request.customerID = id
    return try await self.clients.views.customer360(
      request,
      metadata: Self.session(token),
      options: self.options
    )
  }

  func timeline(
    _ token: String,
    customer: String,
    page: Erp_Common_V1_PageRequest
  ) async throws -> Erp_Customers_V1_TimelineResponse {
    var request = Erp_Customers_V1_TimelineRequest()
    request.customerID = customer
    request.page = page
    return try await self.clients.interactions.timeline(
      request,
      metadata: Self.session(token),
      options: self.options
    )
  }
}

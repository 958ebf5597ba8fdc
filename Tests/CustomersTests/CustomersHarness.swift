import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

typealias CustomersClient = Erp_Customers_V1_Customers.Client<ERPTransport.Client>
typealias InteractionsClient = Erp_Customers_V1_Interactions.Client<ERPTransport.Client>
typealias PipelineClient = Erp_Customers_V1_Pipeline.Client<ERPTransport.Client>
typealias InsightsClient = Erp_Customers_V1_Insights.Client<ERPTransport.Client>

/// The customers service on production's runner (``InProcessSystem``: the services'
/// authentication, field limits, TenantAdmin, start-up set-up of its database), over real TCP on
/// a real PostgreSQL database of its own, for tenants of the test's own.
enum CustomersHarness {
  /// Runs `body` with a client and `tenants` fresh tenants; calls go to the tenant bound with
  /// `RequestContext.$tenant` (the first one unless the body binds another).
  static func run<T: Sendable>(
    tenants count: Int = 1,
    _ body: @Sendable (CustomersClient, [TenantID]) async throws -> T
  ) async throws -> T {
    try await self.clients(tenants: count) { client, tenants in
      try await body(CustomersClient(wrapping: client), tenants)
    }
  }

  /// Both APIs, on one connection.
  static func withInteractions<T: Sendable>(
    _ body: @Sendable (CustomersClient, InteractionsClient) async throws -> T
  ) async throws -> T {
    try await self.clients(tenants: 1) { client, _ in
      try await body(CustomersClient(wrapping: client), InteractionsClient(wrapping: client))
    }
  }

  /// The directory and the pipeline, on one connection.
  static func withPipeline<T: Sendable>(
    _ body: @Sendable (CustomersClient, PipelineClient) async throws -> T
  ) async throws -> T {
    try await self.clients(tenants: 1) { client, _ in
      try await body(CustomersClient(wrapping: client), PipelineClient(wrapping: client))
    }
  }

  /// Every API, on one connection.
  static func withAll<T: Sendable>(
    _ body:
      @Sendable (CustomersClient, InteractionsClient, PipelineClient, InsightsClient) async throws
      -> T
  ) async throws -> T {
    try await self.clients(tenants: 1) { client, _ in
      try await body(
        CustomersClient(wrapping: client),
        InteractionsClient(wrapping: client),
        PipelineClient(wrapping: client),
        InsightsClient(wrapping: client)
      )
    }
  }

  static func clients<T: Sendable>(
    tenants count: Int,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>, [TenantID]) async throws -> T
  ) async throws -> T {
    var options = InProcessSystem.Options(services: ["customers"]) { _ in
      try await TestDatabase.isolatedConninfo("crm_customers")
    }
    options.poolSize = 8
    return try await InProcessSystem.run(options) { system in
      let tenants = (0..<count).map { _ in TestDatabase.uniqueTenant("crm") }
      for tenant in tenants { try await system.provision(tenant) }
      return try await system.withClients(["customers"], tenant: tenants[0]) { clients in
        try await body(clients["customers"]!, tenants)
      }
    }
  }

  static func customer(
    _ name: String,
    kind: Erp_Customers_V1_CustomerKind = .organisation,
    emails: [String] = [],
    phones: [String] = [],
    tags: [String] = []
  ) -> Erp_Customers_V1_Customer {
    var customer = Erp_Customers_V1_Customer()
    customer.kind = kind
    customer.name = name
    customer.emails = emails
    customer.phones = phones
    customer.tags = tags
    return customer
  }

  static func create(
    _ client: CustomersClient,
    _ requestID: String,
    _ customer: Erp_Customers_V1_Customer
  ) async throws -> Erp_Customers_V1_Customer {
    var request = Erp_Customers_V1_CreateCustomerRequest()
    request.requestID = requestID
    request.customer = customer
    request.defaultCountryCallingCode = "966"
    return try await client.createCustomer(request)
  }

  static func search(_ client: CustomersClient, _ query: String) async throws -> [String] {
    var request = Erp_Customers_V1_SearchCustomersRequest()
    request.query = query
    return try await client.searchCustomers(request).results.map(\.customer.name)
  }
}

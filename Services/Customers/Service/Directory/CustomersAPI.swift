import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Customers` API, in the calling tenant.
struct CustomersAPI: Erp_Customers_V1_Customers.SimpleServiceProtocol {
  let pool: ConnectionPool
  /// Delivers the partner events creating, updating and merging queue (none when nil).
  var relay: OutboxRelay? = nil

  func createCustomer(
    request: Erp_Customers_V1_CreateCustomerRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Customer
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await CustomerStore.create(self.pool, tenant, request)
    }
  }

  func getCustomer(
    request: Erp_Customers_V1_GetCustomerRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Customer
  {
    return try await inCallingTenant { tenant in
      try await CustomerStore.get(self.pool, tenant, number: request.id)
    }
  }

  func updateCustomer(
    request: Erp_Customers_V1_UpdateCustomerRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Customer
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await CustomerStore.update(self.pool, tenant, request)
    }
  }

  func archiveCustomer(
    request: Erp_Customers_V1_ArchiveCustomerRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Customer
  {
    return try await inCallingTenant { tenant in
      try await CustomerStore.archive(self.pool, tenant, number: request.id)
    }
  }

  func searchCustomers(
    request: Erp_Customers_V1_SearchCustomersRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_SearchCustomersResponse
  {
    return try await inCallingTenant { tenant in
      try await CustomerSearch.search(self.pool, tenant, request)
    }
  }

  func listCustomers(
    request: Erp_Customers_V1_ListCustomersRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_ListCustomersResponse
  {
    return try await inCallingTenant { tenant in
      try await CustomerSearch.list(self.pool, tenant, request)
    }
  }

  func importCustomers(
    request: RPCAsyncSequence<Erp_Customers_V1_ImportRow, any Error>,
    context: ServerContext
  ) async throws -> Erp_Customers_V1_ImportSummary {
    return try await inCallingTenant { tenant in
      try await CustomerImport.run(self.pool, tenant, request)
    }
  }

  func mergeCustomers(
    request: Erp_Customers_V1_MergeCustomersRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Customer
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await CustomerMerge.merge(self.pool, tenant, request)
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Pricing` API, in the calling tenant.
struct PricingAPI: Erp_Sales_V1_Pricing.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createPriceList(
    request: Erp_Sales_V1_PriceList,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_PriceList
  {
    try await inCallingTenant { tenant in try await PriceLists.create(self.pool, tenant, request) }
  }

  func listPriceLists(
    request: Erp_Sales_V1_ListPriceListsRequest,
    context: ServerContext
  )
    async throws -> Erp_Sales_V1_ListPriceListsResponse
  {
    var response = Erp_Sales_V1_ListPriceListsResponse()
    response.priceLists = try await inCallingTenant { tenant in
      try await PriceLists.list(self.pool, tenant)
    }
    return response
  }

  func getSettings(
    request: Erp_Sales_V1_GetSalesSettingsRequest,
    context: ServerContext
  )
    async throws -> Erp_Sales_V1_SalesSettings
  {
    try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { try await SalesSettingsStore.get($0) }
    }
  }

  func updateSettings(
    request: Erp_Sales_V1_SalesSettings,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesSettings
  {
    try await inCallingTenant { tenant in
      try await SalesSettingsStore.update(self.pool, tenant, request)
    }
  }
}

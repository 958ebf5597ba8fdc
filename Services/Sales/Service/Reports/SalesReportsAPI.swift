import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `SalesReports` API, in the calling tenant.
struct SalesReportsAPI: Erp_Sales_V1_SalesReports.SimpleServiceProtocol {
  let pool: ConnectionPool

  func revenue(
    request: Erp_Sales_V1_RevenueRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_RevenueResponse
  {
    var response = Erp_Sales_V1_RevenueResponse()
    response.lines = try await inCallingTenant { tenant in
      try await SalesReportQueries.revenue(self.pool, tenant, request)
    }
    return response
  }

  func backlog(
    request: Erp_Sales_V1_BacklogRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_BacklogResponse
  {
    var response = Erp_Sales_V1_BacklogResponse()
    response.orders = try await inCallingTenant { tenant in
      try await SalesReportQueries.backlog(self.pool, tenant)
    }
    return response
  }

  func topItems(
    request: Erp_Sales_V1_TopItemsRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_TopItemsResponse
  {
    var response = Erp_Sales_V1_TopItemsResponse()
    response.items = try await inCallingTenant { tenant in
      try await SalesReportQueries.topItems(self.pool, tenant, request)
    }
    return response
  }
}

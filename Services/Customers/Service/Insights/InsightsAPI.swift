import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Insights` API, in the calling tenant.
struct InsightsAPI: Erp_Customers_V1_Insights.SimpleServiceProtocol {
  let pool: ConnectionPool

  func rfm(
    request: Erp_Customers_V1_RfmRequest,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_RfmResponse
  {
    return try await inCallingTenant { tenant in
      try await CustomerAnalytics.rfm(self.pool, tenant, request)
    }
  }

  func atRisk(
    request: Erp_Customers_V1_AtRiskRequest,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_AtRiskResponse
  {
    return try await inCallingTenant { tenant in
      try await CustomerAnalytics.atRisk(self.pool, tenant, request)
    }
  }

  func pipelineByStage(
    request: Erp_Customers_V1_PipelineByStageRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_PipelineByStageResponse
  {
    return try await inCallingTenant { tenant in
      try await CRMReports.pipelineByStage(self.pool, tenant)
    }
  }

  func activitiesPerOwner(
    request: Erp_Customers_V1_PeriodRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_ActivitiesPerOwnerResponse
  {
    return try await inCallingTenant { tenant in
      try await CRMReports.activities(self.pool, tenant, request)
    }
  }

  func newCustomers(
    request: Erp_Customers_V1_PeriodRequest,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_NewCustomersResponse
  {
    return try await inCallingTenant { tenant in
      try await CRMReports.newCustomers(self.pool, tenant, request)
    }
  }

  func topCustomers(
    request: Erp_Customers_V1_TopCustomersRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_TopCustomersResponse
  {
    return try await inCallingTenant { tenant in
      try await CRMReports.topCustomers(self.pool, tenant, request)
    }
  }
}

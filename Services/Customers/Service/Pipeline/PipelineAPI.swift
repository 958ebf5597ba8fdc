import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Pipeline` API, in the calling tenant.
struct PipelineAPI: Erp_Customers_V1_Pipeline.SimpleServiceProtocol {
  let pool: ConnectionPool
  /// Delivers the partner events moving an opportunity queues (none when nil).
  var relay: OutboxRelay? = nil

  func listStages(
    request: Erp_Customers_V1_ListStagesRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_ListStagesResponse
  {
    var response = Erp_Customers_V1_ListStagesResponse()
    response.stages = try await inCallingTenant { tenant in
      try await Opportunities.stages(self.pool, tenant)
    }
    return response
  }

  func configureStage(
    request: Erp_Customers_V1_Stage,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_Stage
  {
    return try await inCallingTenant { tenant in
      try await Opportunities.configure(self.pool, tenant, request)
    }
  }

  func createOpportunity(
    request: Erp_Customers_V1_CreateOpportunityRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Opportunity
  {
    return try await inCallingTenant { tenant in
      try await Opportunities.create(self.pool, tenant, request, convertingLead: false)
    }
  }

  func convertLead(
    request: Erp_Customers_V1_CreateOpportunityRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Opportunity
  {
    return try await inCallingTenant { tenant in
      try await Opportunities.create(self.pool, tenant, request, convertingLead: true)
    }
  }

  func moveOpportunity(
    request: Erp_Customers_V1_MoveOpportunityRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Opportunity
  {
    return try await inCallingTenant(notifying: self.relay) { tenant in
      try await Opportunities.move(self.pool, tenant, request)
    }
  }

  func listOpportunities(
    request: Erp_Customers_V1_ListOpportunitiesRequest,
    context: ServerContext
  ) async throws -> Erp_Customers_V1_ListOpportunitiesResponse {
    var response = Erp_Customers_V1_ListOpportunitiesResponse()
    response.opportunities = try await inCallingTenant { tenant in
      try await Opportunities.list(self.pool, tenant, request)
    }
    return response
  }

  func getOpportunity(
    request: Erp_Customers_V1_GetOpportunityRequest,
    context: ServerContext
  )
    async throws -> Erp_Customers_V1_Opportunity
  {
    return try await inCallingTenant { tenant in
      try await Opportunities.get(self.pool, tenant, number: request.id)
    }
  }

  func forecast(
    request: Erp_Customers_V1_ForecastRequest,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_ForecastResponse
  {
    return try await inCallingTenant { tenant in
      try await PipelineReports.forecast(self.pool, tenant, request)
    }
  }

  func funnel(
    request: Erp_Customers_V1_FunnelRequest,
    context: ServerContext
  ) async throws
    -> Erp_Customers_V1_FunnelResponse
  {
    return try await inCallingTenant { tenant in try await PipelineReports.funnel(self.pool, tenant)
    }
  }
}

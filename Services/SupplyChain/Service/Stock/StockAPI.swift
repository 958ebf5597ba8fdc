import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Stock` API, in the calling tenant.
struct StockAPI: Erp_Supplychain_V1_Stock.SimpleServiceProtocol {
  let context: SupplyChainContext

  func adjust(
    request: Erp_Supplychain_V1_AdjustStockRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_StockMove
  {
    try await inCallingTenant { tenant in
      try await StockMoves.adjust(self.context, tenant, request)
    }
  }

  func transfer(
    request: Erp_Supplychain_V1_TransferRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_TransferResult
  {
    try await inCallingTenant { tenant in
      try await StockMoves.transfer(self.context, tenant, request)
    }
  }

  func reserve(
    request: Erp_Supplychain_V1_ReserveRequest,
    context: ServerContext
  ) async throws
    -> Erp_Supplychain_V1_Reservation
  {
    try await inCallingTenant { tenant in
      try await Reservations.reserve(self.context.pool, tenant, request)
    }
  }

  func release(
    request: Erp_Supplychain_V1_ReleaseRequest,
    context: ServerContext
  ) async throws
    -> Erp_Supplychain_V1_Reservation
  {
    try await inCallingTenant { tenant in
      try await Reservations.release(self.context.pool, tenant, orderLine: request.orderLineID)
    }
  }

  func getReservation(
    request: Erp_Supplychain_V1_GetReservationRequest,
    context: ServerContext
  ) async throws -> Erp_Supplychain_V1_Reservation {
    try await inCallingTenant { tenant in
      try await Reservations.get(self.context.pool, tenant, request.orderLineID)
    }
  }

  func stockOnHand(
    request: Erp_Supplychain_V1_StockOnHandRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_StockOnHandResponse
  {
    var response = Erp_Supplychain_V1_StockOnHandResponse()
    response.levels = try await inCallingTenant { tenant in
      try await StockReports.onHand(self.context, tenant, request)
    }
    return response
  }

  func itemHistory(
    request: Erp_Supplychain_V1_ItemHistoryRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ItemHistoryResponse
  {
    var response = Erp_Supplychain_V1_ItemHistoryResponse()
    response.moves = try await inCallingTenant { tenant in
      try await StockReports.history(self.context, tenant, request)
    }
    return response
  }

  func inventoryValuation(
    request: Erp_Supplychain_V1_InventoryValuationRequest,
    context: ServerContext
  ) async throws -> Erp_Supplychain_V1_InventoryValuationResponse {
    try await inCallingTenant { tenant in try await StockReports.valuation(self.context, tenant) }
  }

  func slowMovers(
    request: Erp_Supplychain_V1_SlowMoversRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_SlowMoversResponse
  {
    var response = Erp_Supplychain_V1_SlowMoversResponse()
    response.items = try await inCallingTenant { tenant in
      try await StockReports.slowMovers(self.context, tenant, request)
    }
    return response
  }

  func replenishment(
    request: Erp_Supplychain_V1_ReplenishmentRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ReplenishmentResponse
  {
    var response = Erp_Supplychain_V1_ReplenishmentResponse()
    response.suggestions = try await inCallingTenant { tenant in
      try await Replenishment.report(self.context, tenant)
    }
    return response
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Shipping` API, in the calling tenant.
struct ShippingAPI: Erp_Supplychain_V1_Shipping.SimpleServiceProtocol {
  let context: SupplyChainContext

  func shipOrder(
    request: Erp_Supplychain_V1_ShipOrderRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Shipment
  {
    try await inCallingTenant { tenant in try await Shipments.ship(self.context, tenant, request) }
  }

  func getShipment(
    request: Erp_Supplychain_V1_GetShipmentRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Shipment
  {
    try await inCallingTenant { tenant in
      try await Shipments.get(self.context.pool, tenant, number: request.number)
    }
  }

  func listShipments(
    request: Erp_Supplychain_V1_ListShipmentsRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ListShipmentsResponse
  {
    var response = Erp_Supplychain_V1_ListShipmentsResponse()
    response.shipments = try await inCallingTenant { tenant in
      try await Shipments.list(self.context.pool, tenant, order: request.orderID)
    }
    return response
  }

  func receiveReturn(
    request: Erp_Supplychain_V1_ReceiveReturnRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_StockReturn
  {
    try await inCallingTenant { tenant in
      try await CustomerReturns.receive(self.context, tenant, request)
    }
  }
}

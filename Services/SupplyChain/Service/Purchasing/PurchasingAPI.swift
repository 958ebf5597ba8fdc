import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Purchasing` API, in the calling tenant.
struct PurchasingAPI: Erp_Supplychain_V1_Purchasing.SimpleServiceProtocol {
  let context: SupplyChainContext

  func createPurchaseOrder(
    request: Erp_Supplychain_V1_CreatePurchaseOrderRequest,
    context: ServerContext
  ) async throws -> Erp_Supplychain_V1_PurchaseOrder {
    try await inCallingTenant { tenant in
      try await PurchaseOrders.create(self.context, tenant, request)
    }
  }

  func placePurchaseOrder(
    request: Erp_Supplychain_V1_PurchaseOrderRef,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await inCallingTenant { tenant in
      try await PurchaseOrders.place(self.context.pool, tenant, number: request.number)
    }
  }

  func cancelPurchaseOrder(
    request: Erp_Supplychain_V1_PurchaseOrderRef,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await inCallingTenant { tenant in
      try await PurchaseOrders.cancel(self.context.pool, tenant, number: request.number)
    }
  }

  func getPurchaseOrder(
    request: Erp_Supplychain_V1_PurchaseOrderRef,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await inCallingTenant { tenant in
      try await PurchaseOrders.get(self.context.pool, tenant, number: request.number)
    }
  }

  func receiveGoods(
    request: Erp_Supplychain_V1_ReceiveGoodsRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_GoodsReceipt
  {
    try await inCallingTenant { tenant in
      try await GoodsReceipts.receive(self.context, tenant, request)
    }
  }
}

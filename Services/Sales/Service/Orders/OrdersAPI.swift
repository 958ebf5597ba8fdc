import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Orders` API, in the calling tenant.
struct OrdersAPI: Erp_Sales_V1_Orders.SimpleServiceProtocol {
  let context: SalesContext

  func createQuotation(
    request: Erp_Sales_V1_CreateOrderRequest,
    context: ServerContext
  )
    async throws -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderCreation.create(self.context, tenant, request, quotation: true)
    }
  }

  func convertQuotation(
    request: Erp_Sales_V1_OrderRef,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      return try await OrderCreation.convert(self.context, tenant, quotation: request.number)
    }
  }

  func createOrder(
    request: Erp_Sales_V1_CreateOrderRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderCreation.create(self.context, tenant, request, quotation: false)
    }
  }

  func getOrder(
    request: Erp_Sales_V1_OrderRef,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      try await Invoicing.refreshPayment(self.context, tenant, number: request.number)
      return try await OrderReading.get(self.context.pool, tenant, number: request.number)
    }
  }

  func listOrders(
    request: Erp_Sales_V1_ListOrdersRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_ListOrdersResponse
  {
    guard (0...100).contains(request.limit) else { throw SalesValues.invalid("limit", "0 to 100") }
    var response = Erp_Sales_V1_ListOrdersResponse()
    response.orders = try await inCallingTenant { tenant in
      try await OrderStore.inTenant(self.context.pool, tenant) { store in
        let numbers = try await store.orderNumbers(
          customerID: request.customerID,
          ownerID: request.ownerID,
          limit: request.limit == 0 ? 20 : Int(request.limit)
        )
        var orders: [Erp_Sales_V1_SalesOrder] = []
        for number in numbers {
          orders.append(try await OrderReading.read(store.session, number: number))
        }
        return orders
      }
    }
    return response
  }

  func confirmOrder(
    request: Erp_Sales_V1_OrderRef,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    let override = try CreditCheck.requestedOverride(request)
    return try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      return try await self.resumingLater(tenant) {
        try await Confirmation.confirm(
          self.context,
          tenant,
          number: request.number,
          override: override
        )
      }
    }
  }

  func cancelOrder(
    request: Erp_Sales_V1_OrderRef,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      return try await self.resumingLater(tenant) {
        try await Confirmation.cancel(self.context, tenant, number: request.number)
      }
    }
  }

  func shipOrder(
    request: Erp_Sales_V1_ShipOrderRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      return try await self.resumingLater(tenant) {
        try await Fulfilment.ship(self.context, tenant, request)
      }
    }
  }

  func returnGoods(
    request: Erp_Sales_V1_ReturnGoodsRequest,
    context: ServerContext
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await inCallingTenant { tenant in
      try await OrderStore.requireVisible(self.context.pool, tenant, number: request.number)
      return try await self.resumingLater(tenant) {
        try await Fulfilment.returnGoods(self.context, tenant, request)
      }
    }
  }

  /// Runs a step that calls the supply chain; when it stops half way (the peer unreachable,
  /// the call cut off: anything but an answer about the request itself) the tenant goes to
  /// the recovery worker, which finishes the step.
  private func resumingLater<T: Sendable>(
    _ tenant: TenantID,
    _ step: () async throws -> T
  ) async throws -> T {
    do {
      return try await step()
    } catch let error as RPCError
      where [.failedPrecondition, .invalidArgument, .notFound, .alreadyExists].contains(error.code)
    {
      throw error
    } catch {
      self.context.recovery.later(tenant)
      throw error
    }
  }
}

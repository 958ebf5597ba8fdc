import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Catalog` API, in the calling tenant.
struct CatalogAPI: Erp_Supplychain_V1_Catalog.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createItem(
    request: Erp_Supplychain_V1_CreateItemRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Item
  {
    try await inCallingTenant { tenant in try await Items.create(self.pool, tenant, request) }
  }

  func updateItem(
    request: Erp_Supplychain_V1_UpdateItemRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Item
  {
    try await inCallingTenant { tenant in try await Items.update(self.pool, tenant, request) }
  }

  func getItem(
    request: Erp_Supplychain_V1_GetItemRequest,
    context: ServerContext
  ) async throws
    -> Erp_Supplychain_V1_Item
  {
    try await inCallingTenant { tenant in try await Items.get(self.pool, tenant, sku: request.sku) }
  }

  func listItems(
    request: Erp_Supplychain_V1_ListItemsRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ListItemsResponse
  {
    var response = Erp_Supplychain_V1_ListItemsResponse()
    response.items = try await inCallingTenant { tenant in
      try await Items.list(self.pool, tenant, request)
    }
    return response
  }

  func importItems(
    request: RPCAsyncSequence<Erp_Supplychain_V1_ImportItemRow, any Error>,
    context: ServerContext
  ) async throws -> Erp_Supplychain_V1_ImportItemsResponse {
    try await inCallingTenant { tenant in try await ItemImport.run(self.pool, tenant, request) }
  }

  func createSupplier(
    request: Erp_Supplychain_V1_CreateSupplierRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Supplier
  {
    try await inCallingTenant { tenant in try await Suppliers.create(self.pool, tenant, request) }
  }

  func listSuppliers(
    request: Erp_Supplychain_V1_ListSuppliersRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ListSuppliersResponse
  {
    var response = Erp_Supplychain_V1_ListSuppliersResponse()
    response.suppliers = try await inCallingTenant { tenant in
      try await Suppliers.list(self.pool, tenant)
    }
    return response
  }

  func createWarehouse(
    request: Erp_Supplychain_V1_CreateWarehouseRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_Warehouse
  {
    try await inCallingTenant { tenant in
      try await Warehouses.create(self.pool, tenant, request)
    }
  }

  func listWarehouses(
    request: Erp_Supplychain_V1_ListWarehousesRequest,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ListWarehousesResponse
  {
    var response = Erp_Supplychain_V1_ListWarehousesResponse()
    response.warehouses = try await inCallingTenant { tenant in
      try await Warehouses.list(self.pool, tenant)
    }
    return response
  }

  func setReorderRule(
    request: Erp_Supplychain_V1_ReorderRule,
    context: ServerContext
  )
    async throws -> Erp_Supplychain_V1_ReorderRule
  {
    try await inCallingTenant { tenant in
      try await Warehouses.setReorderRule(self.pool, tenant, request)
    }
  }
}

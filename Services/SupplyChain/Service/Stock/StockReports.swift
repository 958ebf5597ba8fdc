import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// What is where and what it is worth, read from the stock levels the moves maintain.
enum StockReports {
  static func onHand(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_StockOnHandRequest
  ) async throws -> [Erp_Supplychain_V1_StockLevel] {
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers).code
    return try await context.pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) "
        + "WHERE ($1 = '' OR i.sku = $1) AND ($2 = '' OR w.code = $2) ORDER BY i.sku, w.code",
      [request.sku, request.warehouseCode]
    ).map { try Self.level($0, currency: currency) }
  }

  static func history(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ItemHistoryRequest
  ) async throws -> [Erp_Supplychain_V1_StockMove] {
    guard (0...500).contains(request.pageSize) else {
      throw SupplyValues.invalid("page_size", "0 to 500")
    }
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers).code
    let moves = try await context.pool.tenantQuery(
      tenant,
      "SELECT \(MoveRows.columns) FROM \(MoveRows.source) "
        + "WHERE i.sku = $1 AND ($2 = '' OR w.code = $2) AND ($3 = 0 OR m.id < $3) "
        + "ORDER BY m.id DESC LIMIT $4",
      [
        request.sku, request.warehouseCode, request.beforeID,
        request.pageSize == 0 ? 100 : Int(request.pageSize),
      ]
    ).map { try MoveRows.move($0, currency: currency) }
    if moves.isEmpty && request.beforeID == 0 {
      try await context.pool.withTenant(tenant) { session in
        _ = try await SupplyValues.itemID(
          session,
          sku: request.sku,
          field: "sku",
          activeOnly: false
        )
      }
    }
    return moves
  }

  static func valuation(
    _ context: SupplyChainContext,
    _ tenant: TenantID
  ) async throws
    -> Erp_Supplychain_V1_InventoryValuationResponse
  {
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers).code
    let results = try await context.pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE l.on_hand_milli > 0 "
            + "ORDER BY i.sku, w.code"
        ),
        PostgresStatement("SELECT count(*) AS n FROM outbox WHERE delivered_at IS NULL"),
      ])
    }
    var response = Erp_Supplychain_V1_InventoryValuationResponse()
    response.levels = try results[0].map { try Self.level($0, currency: currency) }
    response.total = Erp_Common_V1_Money(
      response.levels.reduce(0) { $0 + $1.value.unitsMinor },
      currency
    )
    response.undeliveredPostings = try results[1][0].decode("n")
    return response
  }

  static func slowMovers(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_SlowMoversRequest
  ) async throws -> [Erp_Supplychain_V1_SlowMover] {
    let since = try CalendarDate(request.notIssuedSince, field: "not_issued_since")
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers).code
    return try await context.pool.tenantQuery(
      tenant,
      """
      SELECT i.sku, i.name, sum(l.on_hand_milli)::bigint AS on_hand,
        sum(l.value_minor)::bigint AS value,
        coalesce(extract(epoch FROM max(l.last_issued_at))::bigint, 0) AS last_issued_at
      FROM stock_level l JOIN item i ON i.id = l.item_id
      GROUP BY i.id
      HAVING sum(l.on_hand_milli) > 0
        AND (max(l.last_issued_at) IS NULL OR max(l.last_issued_at) < $1::date)
      ORDER BY value DESC, i.sku
      """,
      [since]
    ).map { row in
      var item = Erp_Supplychain_V1_SlowMover()
      item.sku = try row.decode("sku")
      item.itemName = try row.decode("name")
      item.onHandMilli = try row.decode("on_hand")
      item.value = Erp_Common_V1_Money(try row.decode("value"), currency)
      item.lastIssuedAt = try row.decode("last_issued_at")
      return item
    }
  }

  static let source =
    "stock_level l JOIN item i ON i.id = l.item_id JOIN warehouse w ON w.id = l.warehouse_id"
  static let columns = """
    i.sku, i.name, w.code AS warehouse_code, l.on_hand_milli, l.reserved_milli, l.value_minor,
    CASE WHEN l.on_hand_milli = 0 THEN 0
      ELSE round(l.value_minor::numeric * 1000 / l.on_hand_milli)::bigint END AS unit_cost
    """

  static func level(_ row: PostgresRow, currency: String) throws -> Erp_Supplychain_V1_StockLevel {
    var level = Erp_Supplychain_V1_StockLevel()
    level.sku = try row.decode("sku")
    level.itemName = try row.decode("name")
    level.warehouseCode = try row.decode("warehouse_code")
    level.onHandMilli = try row.decode("on_hand_milli")
    level.reservedMilli = try row.decode("reserved_milli")
    level.availableMilli = level.onHandMilli - level.reservedMilli
    level.value = Erp_Common_V1_Money(try row.decode("value_minor"), currency)
    level.averageUnitCost = Erp_Common_V1_Money(try row.decode("unit_cost"), currency)
    return level
  }
}

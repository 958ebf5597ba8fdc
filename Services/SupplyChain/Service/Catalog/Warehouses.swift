import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Warehouses, their locations, and the reorder rules per item and warehouse.
enum Warehouses {
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_CreateWarehouseRequest
  ) async throws -> Erp_Supplychain_V1_Warehouse {
    let warehouse = request.warehouse
    guard warehouse.code.wholeMatch(of: /[A-Z0-9-]{1,20}/) != nil else {
      throw SupplyValues.invalid(
        "warehouse.code",
        "1 to 20 upper-case letters, digits or '-', got \(quoted(warehouse.code))"
      )
    }
    let name = warehouse.name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw SupplyValues.invalid("warehouse.name", "1 to 200 characters")
    }
    for (index, location) in warehouse.locations.enumerated()
    where location.isEmpty || location.count > 40 {
      throw SupplyValues.invalid("warehouse.locations[\(index)]", "1 to 40 characters")
    }
    let key = try RequestKey("supplychain.warehouse", request, id: \.requestID)
    do {
      return try await answeringOnce(pool, tenant, key) { session in
        let created = try await session.query(
          "INSERT INTO warehouse (code, name) VALUES ($1, $2) RETURNING id",
          [warehouse.code, name]
        )
        try await session.query(
          "INSERT INTO location (warehouse_id, code) "
            + "SELECT $1, code FROM unnest($2::text[]) AS code ON CONFLICT DO NOTHING",
          [try created[0].decode("id", as: Int64.self), warehouse.locations]
        )
        var answer = warehouse
        answer.name = name
        answer.locations = Array(Set(warehouse.locations)).sorted()
        return answer
      }
    } catch let error as PostgresError
      where error.sqlState == "23505" && error.constraint == "warehouse_code_key"
    {
      throw RPCError(
        code: .alreadyExists,
        message: "warehouse.code: warehouse \(warehouse.code) exists"
      )
    }
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws
    -> [Erp_Supplychain_V1_Warehouse]
  {
    try await pool.tenantQuery(
      tenant,
      """
      SELECT w.code, w.name, coalesce(array_agg(l.code ORDER BY l.code)
        FILTER (WHERE l.code IS NOT NULL), '{}') AS locations
      FROM warehouse w LEFT JOIN location l ON l.warehouse_id = w.id
      GROUP BY w.id ORDER BY w.code
      """
    ).map { row in
      var warehouse = Erp_Supplychain_V1_Warehouse()
      warehouse.code = try row.decode("code")
      warehouse.name = try row.decode("name")
      warehouse.locations = try row.decode("locations")
      return warehouse
    }
  }

  static func setReorderRule(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ rule: Erp_Supplychain_V1_ReorderRule
  ) async throws -> Erp_Supplychain_V1_ReorderRule {
    guard rule.reorderPointMilli >= 0 else {
      throw SupplyValues.invalid("reorder_point_milli", "must not be negative")
    }
    _ = try SupplyValues.positive(rule.reorderQuantityMilli, field: "reorder_quantity_milli")
    return try await pool.withTenant(tenant) { session in
      let item = try await SupplyValues.itemID(session, sku: rule.sku, field: "sku")
      let warehouse = try await SupplyValues.warehouseID(
        session,
        code: rule.warehouseCode,
        field: "warehouse_code"
      )
      try await session.query(
        """
        INSERT INTO reorder_rule (item_id, warehouse_id, reorder_point_milli, reorder_quantity_milli)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (item_id, warehouse_id) DO UPDATE SET
          reorder_point_milli = EXCLUDED.reorder_point_milli,
          reorder_quantity_milli = EXCLUDED.reorder_quantity_milli
        """,
        [item, warehouse, rule.reorderPointMilli, rule.reorderQuantityMilli]
      )
      return rule
    }
  }
}

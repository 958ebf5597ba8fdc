import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Items whose available stock plus what is on order has fallen to the reorder point or below,
/// with a purchase order suggested per supplier (the item's preferred one), valued at the
/// item's standard cost.
enum Replenishment {
  static func report(
    _ context: SupplyChainContext,
    _ tenant: TenantID
  ) async throws
    -> [Erp_Supplychain_V1_SuggestedPurchaseOrder]
  {
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers).code
    let rows = try await context.pool.tenantQuery(
      tenant,
      """
      WITH on_order AS (
        SELECT l.item_id, o.warehouse_id, sum(l.quantity_milli - l.received_milli) AS milli
        FROM purchase_order o JOIN purchase_order_line l ON l.purchase_order_id = o.id
        WHERE o.status IN ('draft', 'ordered', 'partly_received')
        GROUP BY l.item_id, o.warehouse_id)
      SELECT i.sku, w.code AS warehouse_code, coalesce(s.code, '') AS supplier_code,
        coalesce(s.name, '') AS supplier_name,
        coalesce(sl.on_hand_milli - sl.reserved_milli, 0) AS available,
        coalesce(oo.milli, 0)::bigint AS on_order,
        r.reorder_point_milli, r.reorder_quantity_milli,
        CASE WHEN i.cost_currency = $1 THEN i.standard_cost_minor ELSE 0 END AS unit_cost
      FROM reorder_rule r
      JOIN item i ON i.id = r.item_id AND i.active
      JOIN warehouse w ON w.id = r.warehouse_id
      LEFT JOIN supplier s ON s.id = i.preferred_supplier_id
      LEFT JOIN stock_level sl ON sl.item_id = r.item_id AND sl.warehouse_id = r.warehouse_id
      LEFT JOIN on_order oo ON oo.item_id = r.item_id AND oo.warehouse_id = r.warehouse_id
      WHERE coalesce(sl.on_hand_milli - sl.reserved_milli, 0) + coalesce(oo.milli, 0)
        <= r.reorder_point_milli
      ORDER BY supplier_code, i.sku, w.code
      """,
      [currency]
    )
    var orders: [Erp_Supplychain_V1_SuggestedPurchaseOrder] = []
    for row in rows {
      var line = Erp_Supplychain_V1_ReplenishmentLine()
      line.sku = try row.decode("sku")
      line.warehouseCode = try row.decode("warehouse_code")
      line.availableMilli = try row.decode("available")
      line.onOrderMilli = try row.decode("on_order")
      line.reorderPointMilli = try row.decode("reorder_point_milli")
      line.suggestedQuantityMilli = try row.decode("reorder_quantity_milli")
      line.estimatedCost = Erp_Common_V1_Money(
        try SupplyValues.lineValue(
          quantityMilli: line.suggestedQuantityMilli,
          unitMinor: try row.decode("unit_cost")
        ),
        currency
      )
      let supplier: String = try row.decode("supplier_code")
      if orders.last?.supplierCode != supplier || orders.isEmpty {
        var order = Erp_Supplychain_V1_SuggestedPurchaseOrder()
        order.supplierCode = supplier
        order.supplierName = try row.decode("supplier_name")
        order.estimatedTotal = Erp_Common_V1_Money(0, currency)
        orders.append(order)
      }
      orders[orders.count - 1].lines.append(line)
      orders[orders.count - 1].estimatedTotal.unitsMinor += line.estimatedCost.unitsMinor
    }
    return orders
  }
}

import ERPProtos
import ERPRuntime
import ERPStore

/// `stock.below_reorder_point` for partners: the crossings the moves of this transaction noted
/// (``SupplyChainMigrations/reorderCrossings``), each queued as one event in the outbox and
/// taken out of the table, so an event is written once per crossing, with the move that made
/// it. Every handler that takes stock out (adjustments, transfers, shipments) calls this before
/// its transaction commits.
enum ReorderCrossings {
  static func publish(_ session: PostgresSession) async throws {
    let rows = try await session.query(
      """
      WITH taken AS (DELETE FROM reorder_crossing RETURNING *)
      SELECT t.move_id, i.sku, w.code AS warehouse_code, t.reorder_point_milli,
        coalesce(l.on_hand_milli - l.reserved_milli, t.on_hand_milli) AS available,
        coalesce((SELECT sum(pl.quantity_milli - pl.received_milli)
          FROM purchase_order o JOIN purchase_order_line pl ON pl.purchase_order_id = o.id
          WHERE o.warehouse_id = t.warehouse_id AND pl.item_id = t.item_id
            AND o.status IN ('draft', 'ordered', 'partly_received')), 0)::bigint AS on_order,
        r.reorder_quantity_milli
      FROM taken t
      JOIN item i ON i.id = t.item_id
      JOIN warehouse w ON w.id = t.warehouse_id
      JOIN reorder_rule r ON r.item_id = t.item_id AND r.warehouse_id = t.warehouse_id
      LEFT JOIN stock_level l ON l.item_id = t.item_id AND l.warehouse_id = t.warehouse_id
      ORDER BY t.move_id
      """
    )
    for row in rows {
      var line = Erp_Supplychain_V1_ReplenishmentLine()
      line.sku = try row.decode("sku")
      line.warehouseCode = try row.decode("warehouse_code")
      line.availableMilli = try row.decode("available")
      line.onOrderMilli = try row.decode("on_order")
      line.reorderPointMilli = try row.decode("reorder_point_milli")
      line.suggestedQuantityMilli = try row.decode("reorder_quantity_milli")
      let move: Int64 = try row.decode("move_id")
      try await PartnerEvents.queue(
        session,
        .stockBelowReorderPoint,
        key: "stock-move:\(move)",
        data: line
      )
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Stock held for sales order lines. Reserving is one statement: the reservation row and its
/// move go in together, and the move's trigger raises the level's reserved quantity under the
/// level's row lock, where the `stock_level_available` constraint refuses to reserve more than
/// is on hand. So 100 callers reserving the last 10 units get exactly 10 successes, whatever
/// the timing. The order line id is the idempotency key.
public enum Reservations {
  public static func reserve(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ReserveRequest
  ) async throws -> Erp_Supplychain_V1_Reservation {
    let line = try checkedRequestID(request.orderLineID, field: "order_line_id")
    let quantity = try SupplyValues.positive(request.quantityMilli, field: "quantity_milli")
    let created = try await StockShortage.mapping(
      pool,
      tenant,
      field: "quantity_milli",
      sku: request.sku,
      warehouse: request.warehouseCode,
      requested: quantity
    ) {
      try await pool.tenantQuery(
        tenant,
        """
        WITH r AS (
          INSERT INTO reservation (order_line_id, order_id, item_id, warehouse_id, quantity_milli)
          SELECT $1, $5, i.id, w.id, $4 FROM item i, warehouse w
          WHERE i.sku = $2 AND i.active AND w.code = $3
          ON CONFLICT (order_line_id) DO NOTHING RETURNING *),
        m AS (
          INSERT INTO stock_move (kind, item_id, warehouse_id, reserved_delta, reference_type,
            reference_id)
          SELECT 'reservation', item_id, warehouse_id, quantity_milli, 'order_line', order_line_id
          FROM r RETURNING id)
        SELECT r.order_line_id, r.order_id, $2 AS sku, $3 AS warehouse_code, r.quantity_milli,
          r.shipped_milli, r.released, (SELECT count(*) FROM m) AS moves
        FROM r
        """,
        [line, request.sku, request.warehouseCode, quantity, request.orderID]
      )
    }
    // One round trip when the reservation is new: the statement answers with it.
    if let row = created.first { return try Self.reservation(row) }
    // Nothing inserted: a repeat of this order line, or an unknown item or warehouse.
    let existing = try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE r.order_line_id = $1",
      [line]
    )
    if let row = existing.first {
      let reservation = try Self.reservation(row)
      guard reservation.sku == request.sku, reservation.warehouseCode == request.warehouseCode,
        reservation.quantityMilli == quantity, reservation.orderID == request.orderID
      else {
        throw SupplyValues.invalid(
          "order_line_id",
          "\(line) is already reserved with a different item, warehouse, quantity or order"
        )
      }
      return reservation
    }
    try await pool.withTenant(tenant) { session in
      _ = try await SupplyValues.itemID(session, sku: request.sku, field: "sku")
      _ = try await SupplyValues.warehouseID(
        session,
        code: request.warehouseCode,
        field: "warehouse_code"
      )
    }
    throw RPCError(code: .aborted, message: "order_line_id: \(line) changed concurrently; retry")
  }

  /// Gives back what is reserved and not shipped; a second release finds nothing left.
  static func release(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    orderLine: String
  ) async throws
    -> Erp_Supplychain_V1_Reservation
  {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT item_id, warehouse_id, quantity_milli - shipped_milli AS outstanding, released "
          + "FROM reservation WHERE order_line_id = $1 FOR UPDATE",
        [orderLine]
      )
      guard let row = rows.first else {
        throw RPCError(
          code: .notFound,
          message: "order_line_id: no reservation for \(quoted(orderLine))"
        )
      }
      let outstanding: Int64 = try row.decode("outstanding")
      if try !row.decode("released", as: Bool.self) {
        try await session.query(
          "UPDATE reservation SET released = true WHERE order_line_id = $1",
          [orderLine]
        )
        if outstanding > 0 {
          try await session.query(
            "INSERT INTO stock_move (kind, item_id, warehouse_id, reserved_delta, reference_type, "
              + "reference_id) VALUES ('release', $1, $2, $3, 'order_line', $4)",
            [
              try row.decode("item_id", as: Int64.self),
              try row.decode("warehouse_id", as: Int64.self), -outstanding, orderLine,
            ]
          )
        }
      }
      return try Self.reservation(
        try await session.query(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE r.order_line_id = $1",
          [orderLine]
        )[0]
      )
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ orderLine: String
  ) async throws
    -> Erp_Supplychain_V1_Reservation
  {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE r.order_line_id = $1",
      [orderLine]
    )
    guard let row = rows.first else {
      throw RPCError(
        code: .notFound,
        message: "order_line_id: no reservation for \(quoted(orderLine))"
      )
    }
    return try Self.reservation(row)
  }

  static let source =
    "reservation r JOIN item i ON i.id = r.item_id JOIN warehouse w ON w.id = r.warehouse_id"
  static let columns = """
    r.order_line_id, r.order_id, i.sku, w.code AS warehouse_code, r.quantity_milli,
    r.shipped_milli, r.released
    """

  static func reservation(_ row: PostgresRow) throws -> Erp_Supplychain_V1_Reservation {
    var reservation = Erp_Supplychain_V1_Reservation()
    reservation.orderLineID = try row.decode("order_line_id")
    reservation.orderID = try row.decode("order_id")
    reservation.sku = try row.decode("sku")
    reservation.warehouseCode = try row.decode("warehouse_code")
    reservation.quantityMilli = try row.decode("quantity_milli")
    reservation.shippedMilli = try row.decode("shipped_milli")
    let released: Bool = try row.decode("released")
    reservation.outstandingMilli =
      released ? 0 : reservation.quantityMilli - reservation.shippedMilli
    reservation.status =
      reservation.shippedMilli == reservation.quantityMilli
      ? .fulfilled : released ? .released : .open
    return reservation
  }
}

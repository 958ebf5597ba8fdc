import ERPStore
import GRPCCore

/// An order's header as the order-to-cash steps need it, read with its row locked.
struct OrderRow: Sendable {
  var id: Int64
  var number: String
  var status: String
  var progress: String
  var attempt: Int
  var customerID: String
  var customerName: String
  var currency: String
  var warehouse: String
  var total: Int64

  static func lock(_ session: PostgresSession, number: String) async throws -> OrderRow {
    let rows = try await session.query(
      """
      SELECT o.id, o.number, o.status, o.progress, o.reservation_attempt, o.customer_id,
        o.customer_name, o.currency_code, o.warehouse_code,
        (SELECT coalesce(sum(net_minor + tax_minor), 0) FROM sales_order_line WHERE order_id = o.id)::bigint
          AS total
      FROM sales_order o WHERE o.number = $1 FOR UPDATE
      """,
      [number]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "number: no order \(quoted(number))")
    }
    return OrderRow(
      id: try row.decode("id"),
      number: try row.decode("number"),
      status: try row.decode("status"),
      progress: try row.decode("progress"),
      attempt: try row.decode("reservation_attempt"),
      customerID: try row.decode("customer_id"),
      customerName: try row.decode("customer_name"),
      currency: try row.decode("currency_code"),
      warehouse: try row.decode("warehouse_code"),
      total: try row.decode("total")
    )
  }

  /// The order and its lines, read in one transaction.
  static func withLines(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> (OrderRow, [(number: Int, sku: String, milli: Int64)])
  {
    try await pool.withTenant(tenant) { session in
      let order = try await OrderRow.lock(session, number: number)
      return (order, try await order.lines(session))
    }
  }

  /// The order's lines: number, SKU and quantity, in order.
  func lines(_ session: PostgresSession) async throws -> [(number: Int, sku: String, milli: Int64)]
  {
    try await session.query(
      "SELECT line_number, sku, quantity_milli FROM sales_order_line WHERE order_id = $1 ORDER BY line_number",
      [self.id]
    ).map { (try $0.decode("line_number"), try $0.decode("sku"), try $0.decode("quantity_milli")) }
  }

  func reservationID(_ line: Int) -> String {
    OrderReading.reservationID(self.number, line: line, attempt: self.attempt)
  }
}

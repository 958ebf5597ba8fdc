import ERPRuntime
import ERPStore

/// The order SQL of shipments and returns: each recorded (`requested`) before the supply chain
/// is asked, and finished (`done`, the lines' quantities moved) after it answered.
extension OrderStore {
  enum FulfilmentKind: String, Sendable {
    case shipment
    case `return`

    /// The line column the fulfilment adds to, and the quantity still open to it.
    var column: String { self == .shipment ? "shipped_milli" : "returned_milli" }
    var open: String {
      self == .shipment ? "quantity_milli - shipped_milli" : "shipped_milli - returned_milli"
    }
  }

  /// A fulfilment as recorded, with its parts (line, quantity) in line order.
  struct FulfilmentRow: Sendable {
    var kind: FulfilmentKind
    var requested: Bool
    var carrier: String
    var trackingNumber: String
    var reason: String
    var number: String
    var parts: [(line: Int, milli: Int64)]
  }

  /// The fulfilment recorded for `requestID`, if one was.
  func fulfilment(_ kind: FulfilmentKind, requestID: String) async throws -> Int64? {
    try await self.session.query(
      "SELECT id FROM sales_fulfilment WHERE kind = $1 AND request_id = $2",
      [kind.rawValue, requestID]
    ).first?.decode("id")
  }

  /// Each line's quantity still open to a fulfilment of `kind`, by line number.
  func open(_ kind: FulfilmentKind, _ order: OrderRow) async throws -> [Int: Int64] {
    try await self.session.query(
      "SELECT line_number, \(kind.open) AS open FROM sales_order_line WHERE order_id = $1",
      [order.id]
    ).reduce(into: [:]) { $0[try $1.decode("line_number")] = try $1.decode("open") }
  }

  /// Records a fulfilment as requested; returns its id.
  func request(
    _ kind: FulfilmentKind,
    _ order: OrderRow,
    requestID: String,
    lines: [(line: Int, milli: Int64)],
    carrier: String,
    tracking: String,
    reason: String
  ) async throws -> Int64 {
    let rows = try await self.session.query(
      """
      INSERT INTO sales_fulfilment (order_id, kind, request_id, state, lines, carrier,
        tracking_number, reason)
      SELECT $1, $2, $3, 'requested', jsonb_agg(jsonb_build_object('line', l, 'milli', m)), $6, $7, $8
      FROM unnest($4::integer[], $5::bigint[]) AS x(l, m)
      RETURNING id
      """,
      [
        order.id, kind.rawValue, requestID,
        "{\(lines.map { String($0.line) }.joined(separator: ","))}",
        "{\(lines.map { String($0.milli) }.joined(separator: ","))}", carrier, tracking, reason,
      ]
    )
    return try rows[0].decode("id", as: Int64.self)
  }

  /// The fulfilment `id` with its order's number and its parts; nil if there is none.
  static func fulfilment(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    id: Int64
  ) async throws -> FulfilmentRow? {
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT f.kind, f.state, f.carrier, f.tracking_number, f.reason, o.number, x.line, x.milli
      FROM sales_fulfilment f JOIN sales_order o ON o.id = f.order_id,
        jsonb_to_recordset(f.lines) AS x(line integer, milli bigint)
      WHERE f.id = $1 ORDER BY x.line
      """,
      [id]
    )
    guard let first = rows.first else { return nil }
    return FulfilmentRow(
      kind: try first.decode("kind", as: String.self) == "shipment" ? .shipment : .return,
      requested: try first.decode("state", as: String.self) == "requested",
      carrier: try first.decode("carrier"),
      trackingNumber: try first.decode("tracking_number"),
      reason: try first.decode("reason"),
      number: try first.decode("number"),
      parts: try rows.map { (try $0.decode("line"), try $0.decode("milli")) }
    )
  }

  /// The fulfilments the supply chain has not answered yet, oldest first.
  static func requestedFulfilments(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws
    -> [(id: Int64, number: String)]
  {
    try await pool.tenantQuery(
      tenant,
      "SELECT f.id, o.number FROM sales_fulfilment f JOIN sales_order o ON o.id = f.order_id "
        + "WHERE f.state = 'requested' ORDER BY f.id"
    ).map { (try $0.decode("id"), try $0.decode("number")) }
  }

  /// Marks the fulfilment done with the supply chain's document number and adds its parts to
  /// the order's lines; false if it was done already (nothing changes then).
  func finish(
    _ fulfilment: FulfilmentRow,
    id: Int64,
    order: OrderRow,
    document: String
  ) async throws -> Bool {
    let updated = try await self.session.query(
      "UPDATE sales_fulfilment SET state = 'done', document_number = $2 WHERE id = $1 AND state = 'requested' RETURNING id",
      [id, document]
    )
    guard !updated.isEmpty else { return false }
    let column = fulfilment.kind.column
    _ = try await self.session.pipeline(
      fulfilment.parts.map {
        PostgresStatement(
          "UPDATE sales_order_line SET \(column) = \(column) + $3 WHERE order_id = $1 AND line_number = $2",
          [order.id, $0.line, $0.milli]
        )
      }
    )
    return true
  }
}

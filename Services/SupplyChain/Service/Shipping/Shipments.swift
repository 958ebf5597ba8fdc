import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Shipping a sales order: each line is drawn from the order line's reservation (picked from
/// reserved stock, so nothing reserved for someone else can go out), issued at the warehouse's
/// average cost, and the reservation records what has shipped; what remains reserved is the
/// line's backorder. The cost of goods sold goes to finance through the outbox under the key
/// `supplychain:<shipment number>`.
enum Shipments {
  static func ship(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ShipOrderRequest
  ) async throws -> Erp_Supplychain_V1_Shipment {
    let requestID = try checkedRequestID(request.requestID)
    guard !request.orderID.isEmpty else { throw SupplyValues.invalid("order_id", "required") }
    let date = try CalendarDate.orToday(request.shipDate, field: "ship_date")
    guard !request.lines.isEmpty, request.lines.count <= 500 else {
      throw SupplyValues.invalid("lines", "1 to 500 lines")
    }
    for (index, line) in request.lines.enumerated() {
      _ = try SupplyValues.positive(line.quantityMilli, field: "lines[\(index)].quantity_milli")
    }
    guard Set(request.lines.map(\.orderLineID)).count == request.lines.count else {
      throw SupplyValues.invalid("lines", "an order line appears twice")
    }
    guard request.trackingNumber.count <= 100, request.carrier.count <= 100 else {
      throw SupplyValues.invalid("tracking_number", "at most 100 characters")
    }
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers)
    let number = try await creatingOnce(
      context.pool,
      tenant,
      RequestKey("supplychain.shipment", request, id: \.requestID),
      requestIDConstraints: ["shipment_request_id_key"]
    ) { session in
      let done = try await session.query(
        "SELECT number FROM shipment WHERE request_id = $1",
        [requestID]
      )
      if let row = done.first { return try row.decode("number", as: String.self) }
      return try await Self.record(session, requestID, date, currency.code, request)
    }
    await context.relay.deliverWritten(tenant)
    return try await Self.get(context.pool, tenant, number: number)
  }

  private static func record(
    _ session: PostgresSession,
    _ requestID: String,
    _ date: CalendarDate,
    _ currency: String,
    _ request: Erp_Supplychain_V1_ShipOrderRequest
  ) async throws -> String {
    let shipment = try await session.query(
      """
      INSERT INTO shipment (number, request_id, order_id, ship_date, carrier, tracking_number,
        cost_minor, entry_key)
      SELECT n, $1, $2, $3, $4, $5, 0, 'supplychain:' || n
      FROM (SELECT 'SHP-' || lpad(nextval('shipment_number')::text, 6, '0') AS n) number
      RETURNING id, number, entry_key
      """,
      [requestID, request.orderID, date, request.carrier, request.trackingNumber]
    )
    let shipmentID: Int64 = try shipment[0].decode("id")
    let number: String = try shipment[0].decode("number")
    var total: Int64 = 0
    for (index, line) in request.lines.enumerated() {
      let field = "lines[\(index)]"
      let rows = try await session.query(
        """
        SELECT r.item_id, r.warehouse_id, r.order_id, r.released, i.sku,
          r.quantity_milli - r.shipped_milli AS outstanding
        FROM reservation r JOIN item i ON i.id = r.item_id
        WHERE r.order_line_id = $1 FOR UPDATE OF r
        """,
        [line.orderLineID]
      )
      guard let reservation = rows.first else {
        throw RPCError(
          code: .failedPrecondition,
          message: "\(field).order_line_id: nothing is reserved for \(quoted(line.orderLineID))"
        )
      }
      guard try reservation.decode("order_id", as: String.self) == request.orderID else {
        throw SupplyValues.invalid(
          "\(field).order_line_id",
          "\(line.orderLineID) belongs to another order"
        )
      }
      let outstanding: Int64 =
        try reservation.decode("released", as: Bool.self)
        ? 0 : try reservation.decode("outstanding")
      guard line.quantityMilli <= outstanding else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "\(field).quantity_milli: \(MilliQuantity.text(line.quantityMilli)) to ship, only "
            + "\(MilliQuantity.text(outstanding)) still reserved for \(line.orderLineID)"
        )
      }
      let issued = try await session.query(
        """
        INSERT INTO stock_move (kind, item_id, warehouse_id, on_hand_delta, reserved_delta,
          reference_type, reference_id, note)
        VALUES ('issue', $1, $2, $3, $3, 'shipment', $4, $5) RETURNING value_delta
        """,
        [
          try reservation.decode("item_id", as: Int64.self),
          try reservation.decode("warehouse_id", as: Int64.self), -line.quantityMilli, number,
          line.orderLineID,
        ]
      )
      let cost = -(try issued[0].decode("value_delta", as: Int64.self))
      total += cost
      try await session.pipeline([
        PostgresStatement(
          "UPDATE reservation SET shipped_milli = shipped_milli + $2 WHERE order_line_id = $1",
          [line.orderLineID, line.quantityMilli]
        ),
        PostgresStatement(
          "INSERT INTO shipment_line (shipment_id, position, order_line_id, quantity_milli, "
            + "cost_minor) VALUES ($1, $2, $3, $4, $5)",
          [shipmentID, index + 1, line.orderLineID, line.quantityMilli, cost]
        ),
      ])
    }
    try await session.query(
      "UPDATE shipment SET cost_minor = $2 WHERE id = $1",
      [shipmentID, total]
    )
    if total > 0 {
      try await FinancePostings.queueEntry(
        session,
        key: try shipment[0].decode("entry_key"),
        FinancePostings.entry(
          date: date,
          memo: "Cost of goods shipped, \(number) for \(request.orderID)",
          source: ("shipment", number),
          debit: "cost_of_goods_sold",
          credit: "inventory",
          amount: total,
          currency: currency
        )
      )
    }
    try await ReorderCrossings.publish(session)
    return number
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_Shipment
  {
    try await Self.read(pool, tenant, "s.number = $1", number).first
      ?? { throw RPCError(code: .notFound, message: "number: no shipment \(quoted(number))") }()
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    order: String
  ) async throws
    -> [Erp_Supplychain_V1_Shipment]
  {
    try await Self.read(pool, tenant, "s.order_id = $1", order)
  }

  private static func read(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ condition: String,
    _ value: String
  ) async throws -> [Erp_Supplychain_V1_Shipment] {
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement("SELECT value FROM setting WHERE key = 'base_currency'"),
        PostgresStatement(
          """
          SELECT s.id, s.number, s.order_id, s.ship_date, s.carrier, s.tracking_number,
            s.cost_minor, coalesce(e.result, '') AS journal_entry
          FROM shipment s LEFT JOIN outbox e ON e.key = s.entry_key
          WHERE \(condition) ORDER BY s.id
          """,
          [value]
        ),
        PostgresStatement(
          """
          SELECT l.shipment_id, l.order_line_id, l.quantity_milli, l.cost_minor, i.sku,
            w.code AS warehouse_code,
            CASE WHEN r.released THEN 0 ELSE r.quantity_milli - r.shipped_milli END AS backorder
          FROM shipment s JOIN shipment_line l ON l.shipment_id = s.id
          JOIN reservation r ON r.order_line_id = l.order_line_id
          JOIN item i ON i.id = r.item_id JOIN warehouse w ON w.id = r.warehouse_id
          WHERE \(condition) ORDER BY l.shipment_id, l.position
          """,
          [value]
        ),
      ])
    }
    let currency = try results[0].first?.decode("value", as: String.self) ?? ""
    var lines: [Int64: [Erp_Supplychain_V1_ShipmentLine]] = [:]
    for row in results[2] {
      var line = Erp_Supplychain_V1_ShipmentLine()
      line.orderLineID = try row.decode("order_line_id")
      line.quantityMilli = try row.decode("quantity_milli")
      line.sku = try row.decode("sku")
      line.warehouseCode = try row.decode("warehouse_code")
      line.cost = Erp_Common_V1_Money(try row.decode("cost_minor"), currency)
      line.backorderMilli = try row.decode("backorder")
      lines[try row.decode("shipment_id"), default: []].append(line)
    }
    return try results[1].map { row in
      var shipment = Erp_Supplychain_V1_Shipment()
      shipment.number = try row.decode("number")
      shipment.orderID = try row.decode("order_id")
      shipment.shipDate = try row.decode("ship_date", as: CalendarDate.self).proto
      shipment.carrier = try row.decode("carrier")
      shipment.trackingNumber = try row.decode("tracking_number")
      shipment.cost = Erp_Common_V1_Money(try row.decode("cost_minor"), currency)
      shipment.journalEntry = try row.decode("journal_entry")
      shipment.lines = lines[try row.decode("id")] ?? []
      return shipment
    }
  }
}

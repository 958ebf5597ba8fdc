import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Shipping and returns, asked of the supply chain. The request is recorded (`requested`)
/// before the supply chain is called under an idempotency key made from it, and finished
/// (`done`: quantities, the invoice or credit note queued, the customer event) after it
/// answers; a crash in between leaves a `requested` row the recovery finishes, and the
/// supply chain, asked again, answers with what it already did.
enum Fulfilment {
  static func ship(
    _ context: SalesContext,
    _ tenant: TenantID,
    _ request: Erp_Sales_V1_ShipOrderRequest
  )
    async throws -> Erp_Sales_V1_SalesOrder
  {
    guard request.carrier.count <= 100, request.trackingNumber.count <= 100 else {
      throw SalesValues.invalid("tracking_number", "at most 100 characters")
    }
    let id = try await Self.record(
      context,
      tenant,
      kind: "shipment",
      RequestKey("sales.shipment", request, id: \.requestID),
      request.number,
      request.lines
    ) {
      session,
      order in
      guard ["confirmed", "partly_shipped"].contains(order.status), order.progress == "idle" else {
        throw RPCError(
          code: .failedPrecondition,
          message: "number: \(order.number) is \(order.status); nothing to ship"
        )
      }
      return try await Self.open(session, order, "quantity_milli - shipped_milli")
    } extra: {
      (request.carrier, request.trackingNumber, "")
    }
    try await Self.finish(context, tenant, fulfilment: id)
    return try await OrderReading.get(context.pool, tenant, number: request.number)
  }

  static func returnGoods(
    _ context: SalesContext,
    _ tenant: TenantID,
    _ request: Erp_Sales_V1_ReturnGoodsRequest
  )
    async throws -> Erp_Sales_V1_SalesOrder
  {
    guard !request.lines.isEmpty else {
      throw SalesValues.invalid("lines", "the lines returned are required")
    }
    let id = try await Self.record(
      context,
      tenant,
      kind: "return",
      RequestKey("sales.return", request, id: \.requestID),
      request.number,
      request.lines
    ) {
      session,
      order in
      guard ["partly_shipped", "shipped", "invoiced", "paid"].contains(order.status) else {
        throw RPCError(
          code: .failedPrecondition,
          message: "number: \(order.number) is \(order.status); nothing shipped to return"
        )
      }
      return try await Self.open(session, order, "shipped_milli - returned_milli")
    } extra: {
      ("", "", request.reason)
    }
    try await Self.finish(context, tenant, fulfilment: id)
    return try await OrderReading.get(context.pool, tenant, number: request.number)
  }

  /// Records the request (or finds the one recorded under the same request id) and returns
  /// its id. `open` gives each line's quantity still open to it; no lines means all of that.
  private static func record(
    _ context: SalesContext,
    _ tenant: TenantID,
    kind: String,
    _ key: RequestKey,
    _ number: String,
    _ asked: [Erp_Sales_V1_ShipLine],
    open: @escaping @Sendable (PostgresSession, OrderRow) async throws -> [Int: Int64],
    extra: @escaping @Sendable () -> (carrier: String, tracking: String, reason: String)
  ) async throws -> Int64 {
    try await creatingOnce(
      context.pool,
      tenant,
      key,
      requestIDConstraints: ["sales_fulfilment_request_id_key"]
    ) {
      session in
      let requestID = key.requestID
      let done = try await session.query(
        "SELECT id FROM sales_fulfilment WHERE kind = $1 AND request_id = $2",
        [kind, requestID]
      )
      if let row = done.first { return try row.decode("id", as: Int64.self) }
      let order = try await OrderRow.lock(session, number: number)
      let available = try await open(session, order)
      var lines: [(Int, Int64)] = []
      if asked.isEmpty {
        lines = available.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map {
          ($0.key, $0.value)
        }
      } else {
        guard Set(asked.map(\.lineNumber)).count == asked.count else {
          throw SalesValues.invalid("lines", "a line appears twice")
        }
        for (index, line) in asked.enumerated() {
          guard let left = available[Int(line.lineNumber)] else {
            throw RPCError(
              code: .notFound,
              message: "lines[\(index)].line_number: \(number) has no line \(line.lineNumber)"
            )
          }
          guard line.quantityMilli > 0 else {
            throw SalesValues.invalid("lines[\(index)].quantity_milli", "must be positive")
          }
          guard line.quantityMilli <= left else {
            throw RPCError(
              code: .failedPrecondition,
              message:
                "lines[\(index)].quantity_milli: \(MilliQuantity.text(line.quantityMilli)) asked, "
                + "\(MilliQuantity.text(left)) open on line \(line.lineNumber)"
            )
          }
          lines.append((Int(line.lineNumber), line.quantityMilli))
        }
      }
      guard !lines.isEmpty else {
        throw RPCError(
          code: .failedPrecondition,
          message: "lines: nothing is open on \(quoted(number))"
        )
      }
      let (carrier, tracking, reason) = extra()
      let rows = try await session.query(
        """
        INSERT INTO sales_fulfilment (order_id, kind, request_id, state, lines, carrier,
          tracking_number, reason)
        SELECT $1, $2, $3, 'requested', jsonb_agg(jsonb_build_object('line', l, 'milli', m)), $6, $7, $8
        FROM unnest($4::integer[], $5::bigint[]) AS x(l, m)
        RETURNING id
        """,
        [
          order.id, kind, requestID, "{\(lines.map { String($0.0) }.joined(separator: ","))}",
          "{\(lines.map { String($0.1) }.joined(separator: ","))}", carrier, tracking, reason,
        ]
      )
      return try rows[0].decode("id", as: Int64.self)
    }
  }

  private static func open(
    _ session: PostgresSession,
    _ order: OrderRow,
    _ expression: String
  ) async throws
    -> [Int: Int64]
  {
    try await session.query(
      "SELECT line_number, \(expression) AS open FROM sales_order_line WHERE order_id = $1",
      [order.id]
    ).reduce(into: [:]) { $0[try $1.decode("line_number")] = try $1.decode("open") }
  }

  /// Asks the supply chain (again) and records what it did.
  static func finish(_ context: SalesContext, _ tenant: TenantID, fulfilment id: Int64) async throws
  {
    let rows = try await context.pool.tenantQuery(
      tenant,
      """
      SELECT f.kind, f.state, f.carrier, f.tracking_number, f.reason, o.number, x.line, x.milli
      FROM sales_fulfilment f JOIN sales_order o ON o.id = f.order_id,
        jsonb_to_recordset(f.lines) AS x(line integer, milli bigint)
      WHERE f.id = $1 ORDER BY x.line
      """,
      [id]
    )
    guard let first = rows.first, try first.decode("state", as: String.self) == "requested" else {
      return
    }
    let kind: String = try first.decode("kind")
    let number: String = try first.decode("number")
    let parts: [(line: Int, milli: Int64)] = try rows.map {
      (try $0.decode("line"), try $0.decode("milli"))
    }
    let order = try await context.pool.withTenant(tenant) {
      try await OrderRow.lock($0, number: number)
    }
    let shipping = try context.peers.supplychain.shipping
    var document = ""
    if kind == "shipment" {
      var ship = Erp_Supplychain_V1_ShipOrderRequest()
      ship.requestID = "sales:ship:\(id)"
      ship.orderID = number
      ship.carrier = try first.decode("carrier")
      ship.trackingNumber = try first.decode("tracking_number")
      ship.lines = parts.map { part in
        var line = Erp_Supplychain_V1_ShipmentLine()
        line.orderLineID = order.reservationID(part.line)
        line.quantityMilli = part.milli
        return line
      }
      document = try await shipping.shipOrder(ship).number
    } else {
      for part in parts {
        var back = Erp_Supplychain_V1_ReceiveReturnRequest()
        back.requestID = "sales:return:\(id):\(part.line)"
        back.orderLineID = order.reservationID(part.line)
        back.quantityMilli = part.milli
        back.reason = try first.decode("reason")
        _ = try await shipping.receiveReturn(back)
      }
    }
    try await context.pool.withTenant(tenant) { session in
      let current = try await OrderRow.lock(session, number: number)
      let updated = try await session.query(
        "UPDATE sales_fulfilment SET state = 'done', document_number = $2 WHERE id = $1 AND state = 'requested' RETURNING id",
        [id, document]
      )
      guard !updated.isEmpty else { return }
      let column = kind == "shipment" ? "shipped_milli" : "returned_milli"
      _ = try await session.pipeline(
        parts.map {
          PostgresStatement(
            "UPDATE sales_order_line SET \(column) = \(column) + $3 WHERE order_id = $1 AND line_number = $2",
            [current.id, $0.line, $0.milli]
          )
        }
      )
      if kind == "shipment" {
        try await OrderEvents.queue(
          session,
          current,
          type: "shipment_sent",
          summary: "Shipment \(document) for \(number)",
          key: "sales:\(number):ship:\(id)"
        )
        if try await SalesSettingsStore.get(session).invoiceOn == .shipment {
          try await Invoicing.queueInvoice(
            session,
            current,
            key: "sales:\(number):ship:\(id):invoice",
            parts: parts
          )
        }
        try await Invoicing.settleStatus(session, orderID: current.id)
      } else {
        let invoice = try await session.query(
          """
          SELECT d.key FROM sales_document d JOIN outbox x ON x.key = d.key
          WHERE d.order_id = $1 AND d.kind = 'invoice' ORDER BY x.id DESC LIMIT 1
          """,
          [current.id]
        )
        if let invoiceKey = try invoice.first?.decode("key", as: String.self) {
          try await Invoicing.queueCreditNote(
            session,
            current,
            key: "sales:\(number):return:\(id)",
            invoiceKey: invoiceKey,
            parts: parts,
            reason: try first.decode("reason")
          )
        }
        try await OrderEvents.queue(
          session,
          current,
          type: "order_returned",
          summary: "Goods returned on \(number)",
          key: "sales:\(number):return:\(id):event"
        )
      }
    }
    await context.relay.deliverWritten(tenant)
    try await context.pool.withTenant(tenant) { session in
      try await Invoicing.settleStatus(session, orderID: order.id)
    }
  }
}

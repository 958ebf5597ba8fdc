import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Goods a customer sends back for an order line: into stock at the average cost of what is
/// still out for the line (what shipped less what came back, by value and quantity; the last
/// unit back takes what is left), and that value comes off cost of goods sold in finance
/// (key `supplychain:return:<move id>`). Idempotent by request id (kept on the move).
enum CustomerReturns {
  static func receive(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ReceiveReturnRequest
  ) async throws -> Erp_Supplychain_V1_StockReturn {
    let requestID = try checkedRequestID(request.requestID)
    let quantity = try SupplyValues.positive(request.quantityMilli, field: "quantity_milli")
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers)
    let answer = try await creatingOnce(
      context.pool,
      tenant,
      RequestKey("supplychain.customer_return", request, id: \.requestID),
      requestIDConstraints: ["stock_move_request_key"]
    ) { session in
      let done = try await session.query(
        "SELECT \(Self.columns) FROM \(MoveRows.source) WHERE m.request_id = $1 AND m.kind = 'return'",
        [requestID]
      )
      if let row = done.first { return try Self.answer(row, currency.code) }
      let lines = try await session.query(
        """
        SELECT r.item_id, r.warehouse_id,
          r.shipped_milli - coalesce(back.milli, 0) AS out_milli,
          coalesce(sent.cost, 0) - coalesce(back.value, 0) AS out_value
        FROM reservation r
        LEFT JOIN LATERAL (SELECT sum(cost_minor) AS cost FROM shipment_line
          WHERE order_line_id = r.order_line_id) sent ON true
        LEFT JOIN LATERAL (SELECT sum(on_hand_delta) AS milli, sum(value_delta) AS value
          FROM stock_move WHERE kind = 'return' AND reference_type = 'order_line'
            AND reference_id = r.order_line_id) back ON true
        WHERE r.order_line_id = $1 FOR UPDATE OF r
        """,
        [request.orderLineID]
      )
      guard let line = lines.first else {
        throw RPCError(
          code: .notFound,
          message:
            "order_line_id: nothing was reserved or shipped for \(quoted(request.orderLineID))"
        )
      }
      let outMilli: Int64 = try line.decode("out_milli")
      let outValue: Int64 = try line.decode("out_value")
      guard quantity <= outMilli else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "quantity_milli: \(MilliQuantity.text(quantity)) returned, only "
            + "\(MilliQuantity.text(outMilli)) shipped and not yet back for \(request.orderLineID)"
        )
      }
      let value =
        quantity == outMilli ? outValue : Proportion.of(outValue, quantity, over: outMilli)
      let rows = try await session.query(
        """
        WITH m AS (
          INSERT INTO stock_move (kind, item_id, warehouse_id, on_hand_delta, value_delta,
            request_id, reference_type, reference_id, note)
          VALUES ('return', $1, $2, $3, $4, $5, 'order_line', $6, $7) RETURNING *)
        SELECT \(Self.columns) FROM m JOIN item i ON i.id = m.item_id
          JOIN warehouse w ON w.id = m.warehouse_id
        """,
        [
          try line.decode("item_id", as: Int64.self),
          try line.decode("warehouse_id", as: Int64.self),
          quantity, value, requestID, request.orderLineID, request.reason,
        ]
      )
      if value > 0 {
        try await FinancePostings.queueEntry(
          session,
          key: "supplychain:return:\(try rows[0].decode("id", as: Int64.self))",
          FinancePostings.entry(
            date: CalendarDate.today(),
            memo: "Goods returned for \(request.orderLineID)",
            source: ("stock_return", request.orderLineID),
            debit: "inventory",
            credit: "cost_of_goods_sold",
            amount: value,
            currency: currency.code
          )
        )
      }
      return try Self.answer(rows[0], currency.code)
    }
    await context.relay.deliverWritten(tenant)
    return answer
  }

  static let columns =
    "m.id, m.reference_id, i.sku, w.code AS warehouse_code, m.on_hand_delta, m.value_delta"

  static func answer(
    _ row: PostgresRow,
    _ currency: String
  ) throws -> Erp_Supplychain_V1_StockReturn {
    var answer = Erp_Supplychain_V1_StockReturn()
    answer.orderLineID = try row.decode("reference_id")
    answer.sku = try row.decode("sku")
    answer.warehouseCode = try row.decode("warehouse_code")
    answer.quantityMilli = try row.decode("on_hand_delta")
    answer.value = Erp_Common_V1_Money(try row.decode("value_delta"), currency)
    return answer
  }
}

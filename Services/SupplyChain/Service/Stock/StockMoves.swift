import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Adjustments and transfers: the moves a warehouse makes on its own, each idempotent by
/// request id (the id is stored on the move; a repeat returns what the first call recorded).
enum StockMoves {
  static func adjust(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_AdjustStockRequest
  ) async throws -> Erp_Supplychain_V1_StockMove {
    let requestID = try checkedRequestID(request.requestID)
    guard request.quantityMilli != 0 else {
      throw SupplyValues.invalid("quantity_milli", "must not be zero")
    }
    guard abs(request.quantityMilli) <= 1_000_000_000_000 else {
      throw SupplyValues.invalid("quantity_milli", "too large")
    }
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers)
    if request.hasUnitCost {
      guard request.unitCost.currencyCode == currency.code else {
        throw SupplyValues.invalid(
          "unit_cost.currency_code",
          "stock is valued in \(currency.code), got \(quoted(request.unitCost.currencyCode))"
        )
      }
      guard request.unitCost.unitsMinor >= 0 else {
        throw SupplyValues.invalid("unit_cost.units_minor", "must not be negative")
      }
    }
    let move = try await StockShortage.mapping(
      context.pool,
      tenant,
      field: "quantity_milli",
      sku: request.sku,
      warehouse: request.warehouseCode,
      requested: -request.quantityMilli
    ) {
      try await creatingOnce(
        context.pool,
        tenant,
        RequestKey("supplychain.adjustment", request, id: \.requestID),
        requestIDConstraints: ["stock_move_request_key"]
      ) {
        session in
        if let done = try await Self.recorded(session, requestID, kind: "adjustment", currency) {
          return done
        }
        let item = try await SupplyValues.itemID(session, sku: request.sku, field: "sku")
        let warehouse = try await SupplyValues.warehouseID(
          session,
          code: request.warehouseCode,
          field: "warehouse_code"
        )
        try await SupplyValues.location(
          session,
          warehouseID: warehouse,
          code: request.location,
          field: "location"
        )
        var value: Int64? = nil
        if request.quantityMilli > 0 {
          let unitCost =
            request.hasUnitCost
            ? request.unitCost.unitsMinor
            : try await Self.standardCost(session, item: item, sku: request.sku, currency)
          value = try SupplyValues.lineValue(
            quantityMilli: request.quantityMilli,
            unitMinor: unitCost
          )
        }
        let rows = try await session.query(
          """
          WITH m AS (
            INSERT INTO stock_move (kind, item_id, warehouse_id, location, on_hand_delta,
              value_delta, request_id, reference_type, reference_id, note)
            VALUES ('adjustment', $1, $2, $3, $4, $5, $6, 'adjustment', $6, $7) RETURNING *)
          SELECT \(MoveRows.columns) FROM m JOIN item i ON i.id = m.item_id
            JOIN warehouse w ON w.id = m.warehouse_id
          """,
          [
            item, warehouse, request.location, request.quantityMilli, value, requestID,
            request.reason,
          ]
        )
        let move = try MoveRows.move(rows[0], currency: currency.code)
        let amount = move.valueChange.unitsMinor
        if amount != 0 {
          try await FinancePostings.queueEntry(
            session,
            key: "supplychain:adjustment:\(move.id)",
            FinancePostings.entry(
              date: CalendarDate.today(),
              memo: "Stock adjustment \(request.sku) \(request.warehouseCode): \(request.reason)",
              source: ("stock_adjustment", String(move.id)),
              debit: amount > 0 ? "inventory" : "inventory_adjustments",
              credit: amount > 0 ? "inventory_adjustments" : "inventory",
              amount: abs(amount),
              currency: currency.code
            )
          )
        }
        try await ReorderCrossings.publish(session)
        return move
      }
    }
    await context.relay.deliverWritten(tenant)
    return move
  }

  static func transfer(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_TransferRequest
  ) async throws -> Erp_Supplychain_V1_TransferResult {
    let requestID = try checkedRequestID(request.requestID)
    let quantity = try SupplyValues.positive(request.quantityMilli, field: "quantity_milli")
    guard request.fromWarehouseCode != request.toWarehouseCode else {
      throw SupplyValues.invalid("to_warehouse_code", "the same as from_warehouse_code")
    }
    let currency = try await BaseCurrency.of(context.pool, tenant, context.peers)
    let transferred = try await StockShortage.mapping(
      context.pool,
      tenant,
      field: "quantity_milli",
      sku: request.sku,
      warehouse: request.fromWarehouseCode,
      requested: quantity
    ) {
      try await creatingOnce(
        context.pool,
        tenant,
        RequestKey("supplychain.transfer", request, id: \.requestID),
        requestIDConstraints: ["stock_move_request_key"]
      ) {
        session in
        var result = Erp_Supplychain_V1_TransferResult()
        if let out = try await Self.recorded(session, requestID, kind: "transfer_out", currency),
          let into = try await Self.recorded(session, requestID, kind: "transfer_in", currency)
        {
          result.out = out
          result.in = into
          return result
        }
        let item = try await SupplyValues.itemID(session, sku: request.sku, field: "sku")
        let from = try await SupplyValues.warehouseID(
          session,
          code: request.fromWarehouseCode,
          field: "from_warehouse_code"
        )
        let to = try await SupplyValues.warehouseID(
          session,
          code: request.toWarehouseCode,
          field: "to_warehouse_code"
        )
        let insert = """
          WITH m AS (
            INSERT INTO stock_move (kind, item_id, warehouse_id, on_hand_delta, value_delta,
              request_id, reference_type, reference_id)
            VALUES ($1, $2, $3, $4, $5, $6, 'transfer', $6) RETURNING *)
          SELECT \(MoveRows.columns) FROM m JOIN item i ON i.id = m.item_id
            JOIN warehouse w ON w.id = m.warehouse_id
          """
        let out = try await session.query(
          insert,
          ["transfer_out", item, from, -quantity, nil, requestID]
        )
        result.out = try MoveRows.move(out[0], currency: currency.code)
        let into = try await session.query(
          insert,
          ["transfer_in", item, to, quantity, -result.out.valueChange.unitsMinor, requestID]
        )
        result.in = try MoveRows.move(into[0], currency: currency.code)
        try await ReorderCrossings.publish(session)
        return result
      }
    }
    await context.relay.deliverWritten(tenant)
    return transferred
  }

  /// The move a request id already made, if any.
  static func recorded(
    _ session: PostgresSession,
    _ requestID: String,
    kind: String,
    _ currency: Currency
  ) async throws -> Erp_Supplychain_V1_StockMove? {
    try await session.query(
      "SELECT \(MoveRows.columns) FROM \(MoveRows.source) WHERE m.request_id = $1 AND m.kind = $2",
      [requestID, kind]
    ).first.map { try MoveRows.move($0, currency: currency.code) }
  }

  private static func standardCost(
    _ session: PostgresSession,
    item: Int64,
    sku: String,
    _ currency: Currency
  ) async throws -> Int64 {
    let row = try await session.query(
      "SELECT cost_currency, standard_cost_minor FROM item WHERE id = $1",
      [item]
    )[0]
    let cost: Int64 = try row.decode("standard_cost_minor")
    let costCurrency: String = try row.decode("cost_currency")
    guard cost == 0 || costCurrency == currency.code else {
      throw RPCError(
        code: .failedPrecondition,
        message: "unit_cost: required, item \(sku)'s standard cost is not in \(currency.code)"
      )
    }
    return cost
  }
}

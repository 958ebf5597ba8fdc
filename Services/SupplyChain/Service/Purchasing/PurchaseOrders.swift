import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Purchase orders: draft → ordered → partly received → received, or cancelled before any
/// goods arrive. Prices are in the order's currency, any ISO 4217 one (the books' base currency
/// when none is named); receipts value the stock in base currency at the receipt date's rate.
/// The tax codes are checked against finance's when the order is created, so the bill a
/// receipt sends cannot fail on them later.
enum PurchaseOrders {
  static func create(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_CreatePurchaseOrderRequest
  ) async throws -> Erp_Supplychain_V1_PurchaseOrder {
    let requestID = try checkedRequestID(request.requestID)
    guard !request.lines.isEmpty, request.lines.count <= 500 else {
      throw SupplyValues.invalid("lines", "1 to 500 lines")
    }
    let expected =
      request.hasExpectedDate
      ? try CalendarDate(request.expectedDate, field: "expected_date") : nil
    var checked = request.lines
    for index in checked.indices {
      let field = "lines[\(index)]"
      _ = try SupplyValues.positive(checked[index].quantityMilli, field: field + ".quantity_milli")
      guard checked[index].unitCostMinor >= 0 else {
        throw SupplyValues.invalid(field + ".unit_cost_minor", "must not be negative")
      }
      _ = try SupplyValues.lineValue(
        quantityMilli: checked[index].quantityMilli,
        unitMinor: checked[index].unitCostMinor
      )
      if checked[index].taxCode.isEmpty { checked[index].taxCode = "STD" }
      checked[index].lineNumber = Int32(index + 1)
    }
    let lines = checked
    // Known from here on, so a receipt can value its stock while finance is down.
    let base = try await BaseCurrency.of(context.pool, tenant, context.peers)
    let currency: Currency
    if request.currencyCode.isEmpty {
      currency = base
    } else {
      guard let known = Currency(code: request.currencyCode) else {
        throw SupplyValues.invalid(
          "currency_code",
          "\(quoted(request.currencyCode)) is not an ISO 4217 currency code"
        )
      }
      currency = known
    }
    let existing = try await context.pool.tenantQuery(
      tenant,
      "SELECT number FROM purchase_order WHERE request_id = $1",
      [requestID]
    )
    if let row = existing.first {
      return try await Self.get(context.pool, tenant, number: try row.decode("number"))
    }
    try await Self.checkTaxCodes(context.peers, lines)
    let number = try await creatingOnce(
      context.pool,
      tenant,
      RequestKey("supplychain.purchase_order", request, id: \.requestID),
      requestIDConstraints: ["purchase_order_request_id_key"]
    ) { session in
      let done = try await session.query(
        "SELECT number FROM purchase_order WHERE request_id = $1",
        [requestID]
      )
      if let row = done.first { return try row.decode("number", as: String.self) }
      let supplier = try await session.query(
        "SELECT id FROM supplier WHERE code = $1",
        [request.supplierCode]
      )
      guard let supplierRow = supplier.first else {
        throw RPCError(
          code: .notFound,
          message: "supplier_code: no supplier \(quoted(request.supplierCode))"
        )
      }
      let warehouse = try await SupplyValues.warehouseID(
        session,
        code: request.warehouseCode,
        field: "warehouse_code"
      )
      let order = try await session.query(
        """
        INSERT INTO purchase_order (number, request_id, supplier_id, warehouse_id, currency_code,
          expected_date, status)
        VALUES ('PO-' || lpad(nextval('purchase_order_number')::text, 6, '0'), $1, $2, $3, $4,
          $5, 'draft')
        RETURNING id, number
        """,
        [
          requestID, try supplierRow.decode("id", as: Int64.self), warehouse, currency.code,
          expected,
        ]
      )
      let orderID: Int64 = try order[0].decode("id")
      for (index, line) in lines.enumerated() {
        let item = try await SupplyValues.itemID(
          session,
          sku: line.sku,
          field: "lines[\(index)].sku"
        )
        try await session.query(
          "INSERT INTO purchase_order_line (purchase_order_id, line_number, item_id, "
            + "quantity_milli, unit_cost_minor, tax_code) VALUES ($1, $2, $3, $4, $5, $6)",
          [orderID, index + 1, item, line.quantityMilli, line.unitCostMinor, line.taxCode]
        )
      }
      return try order[0].decode("number", as: String.self)
    }
    return try await Self.get(context.pool, tenant, number: number)
  }

  /// Draft → ordered.
  static func place(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await Self.transition(pool, tenant, number, from: ["draft"], to: "ordered")
  }

  /// Draft or ordered (nothing received yet) → cancelled.
  static func cancel(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await Self.transition(pool, tenant, number, from: ["draft", "ordered"], to: "cancelled")
  }

  /// Moves the order to `to` from one of `from`; already in `to` is a repeat and succeeds.
  private static func transition(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ number: String,
    from: [String],
    to: String
  ) async throws -> Erp_Supplychain_V1_PurchaseOrder {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT status FROM purchase_order WHERE number = $1 FOR UPDATE",
        [number]
      )
      guard let row = rows.first else {
        throw RPCError(code: .notFound, message: "number: no purchase order \(quoted(number))")
      }
      let status: String = try row.decode("status")
      if status != to {
        guard from.contains(status) else {
          throw RPCError(
            code: .failedPrecondition,
            message: "number: purchase order \(number) is \(status); cannot become \(to)"
          )
        }
        try await session.query(
          "UPDATE purchase_order SET status = $2 WHERE number = $1",
          [number, to]
        )
      }
      return try await Self.read(session, number: number)
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_PurchaseOrder
  {
    try await pool.withTenant(tenant) { session in try await Self.read(session, number: number) }
  }

  static func read(
    _ session: PostgresSession,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_PurchaseOrder
  {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT o.number, s.code AS supplier_code, w.code AS warehouse_code, o.currency_code,
          o.expected_date::text AS expected_date, o.status
        FROM purchase_order o JOIN supplier s ON s.id = o.supplier_id
        JOIN warehouse w ON w.id = o.warehouse_id WHERE o.number = $1
        """,
        [number]
      ),
      PostgresStatement(
        """
        SELECT l.line_number, i.sku, l.quantity_milli, l.unit_cost_minor, l.tax_code,
          l.received_milli
        FROM purchase_order o JOIN purchase_order_line l ON l.purchase_order_id = o.id
        JOIN item i ON i.id = l.item_id WHERE o.number = $1 ORDER BY l.line_number
        """,
        [number]
      ),
    ])
    guard let row = results[0].first else {
      throw RPCError(code: .notFound, message: "number: no purchase order \(quoted(number))")
    }
    var order = Erp_Supplychain_V1_PurchaseOrder()
    order.number = try row.decode("number")
    order.supplierCode = try row.decode("supplier_code")
    order.warehouseCode = try row.decode("warehouse_code")
    order.currencyCode = try row.decode("currency_code")
    if let expected = try row.decodeIfPresent("expected_date", as: CalendarDate.self) {
      order.expectedDate = expected.proto
    }
    order.status = Self.statuses[try row.decode("status", as: String.self)] ?? .unspecified
    var total: Int64 = 0
    for lineRow in results[1] {
      var line = Erp_Supplychain_V1_PurchaseOrderLine()
      line.lineNumber = try lineRow.decode("line_number")
      line.sku = try lineRow.decode("sku")
      line.quantityMilli = try lineRow.decode("quantity_milli")
      line.unitCostMinor = try lineRow.decode("unit_cost_minor")
      line.taxCode = try lineRow.decode("tax_code")
      line.receivedMilli = try lineRow.decode("received_milli")
      total += try SupplyValues.lineValue(
        quantityMilli: line.quantityMilli,
        unitMinor: line.unitCostMinor
      )
      order.lines.append(line)
    }
    order.total = Erp_Common_V1_Money(total, order.currencyCode)
    return order
  }

  static let statuses: [String: Erp_Supplychain_V1_PurchaseOrderStatus] = [
    "draft": .draft, "ordered": .ordered, "partly_received": .partlyReceived,
    "received": .received, "cancelled": .cancelled,
  ]

  private static func checkTaxCodes(
    _ peers: PeerClients,
    _ lines: [Erp_Supplychain_V1_PurchaseOrderLine]
  ) async throws {
    let billing = try peers.finance.billing
    let known = Set(
      try await billing.listTaxCodes(Erp_Finance_V1_ListTaxCodesRequest()).taxCodes.map(\.code)
    )
    for (index, line) in lines.enumerated() where !known.contains(line.taxCode) {
      throw SupplyValues.invalid(
        "lines[\(index)].tax_code",
        "finance has no tax code \(quoted(line.taxCode))"
      )
    }
  }
}

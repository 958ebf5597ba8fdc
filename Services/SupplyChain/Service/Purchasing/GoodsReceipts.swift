import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Receiving goods against a purchase order. One transaction records the receipt, adds the
/// stock at the order's price, updates what the order has received and queues the supplier
/// bill for finance; the bill goes out after commit under the key `supplychain:<GRN number>`,
/// so a retried receipt (same request id) returns the first receipt and finance never sees a
/// second bill. When finance is down the receipt still stands and the bill follows later.
///
/// An order in a foreign currency is received at finance's rate for the receipt date (the rate
/// finance converts the bill at): each line's value in the order's currency is converted to
/// base currency, rounded half away from zero, as finance converts the bill's inventory lines,
/// so the stock value and the ledger's inventory agree. Such a receipt needs finance reachable.
enum GoodsReceipts {
  static func receive(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ReceiveGoodsRequest
  ) async throws -> Erp_Supplychain_V1_GoodsReceipt {
    let requestID = try checkedRequestID(request.requestID)
    let date = try CalendarDate.orToday(request.receiptDate, field: "receipt_date")
    guard !request.lines.isEmpty, request.lines.count <= 500 else {
      throw SupplyValues.invalid("lines", "1 to 500 lines")
    }
    for (index, line) in request.lines.enumerated() {
      _ = try SupplyValues.positive(line.quantityMilli, field: "lines[\(index)].quantity_milli")
    }
    guard Set(request.lines.map(\.lineNumber)).count == request.lines.count else {
      throw SupplyValues.invalid("lines", "a purchase order line appears twice")
    }
    let key = try RequestKey("supplychain.goods_receipt", request, id: \.requestID)
    let done = try await context.pool.tenantQuery(
      tenant,
      "SELECT number FROM goods_receipt WHERE request_id = $1",
      [requestID]
    )
    let rate =
      done.isEmpty
      ? try await Self.rate(context, tenant, order: request.purchaseOrderNumber, on: date) : nil
    let number = try await creatingOnce(
      context.pool,
      tenant,
      key,
      requestIDConstraints: ["goods_receipt_request_id_key"]
    ) { session in
      let done = try await session.query(
        "SELECT number FROM goods_receipt WHERE request_id = $1",
        [requestID]
      )
      if let row = done.first { return try row.decode("number", as: String.self) }
      return try await Self.record(session, requestID, date, rate, request)
    }
    await context.relay.deliverWritten(tenant)
    return try await Self.get(context.pool, tenant, number: number)
  }

  /// An order's currency, the base currency and the rate between them on the receipt date.
  struct Rate: Sendable {
    var currency: Currency
    var base: Currency
    var rate: DecimalRate
  }

  /// The rate to receive an order at (1 in base currency); nil when the order does not exist
  /// (the receipt then reports it).
  private static func rate(
    _ context: SupplyChainContext,
    _ tenant: TenantID,
    order: String,
    on date: CalendarDate
  ) async throws -> Rate? {
    let rows = try await context.pool.tenantQuery(
      tenant,
      "SELECT currency_code FROM purchase_order WHERE number = $1",
      [order]
    )
    guard let row = rows.first, let currency = Currency(code: try row.decode("currency_code"))
    else { return nil }
    let base = try await BaseCurrency.of(context.pool, tenant, context.peers)
    guard currency != base else {
      return Rate(currency: currency, base: base, rate: DecimalRate("1")!)
    }
    var request = Erp_Finance_V1_GetExchangeRateRequest()
    request.currencyCode = currency.code
    request.on = date.proto
    do {
      let answer = try await context.peers.finance.ledger.getExchangeRate(request)
      guard let rate = DecimalRate(answer.rate) else {
        throw RPCError(code: .internalError, message: "finance sent an unreadable rate")
      }
      return Rate(currency: currency, base: base, rate: rate)
    } catch let error as RPCError where error.code == .notFound {
      throw RPCError(
        code: .failedPrecondition,
        message: "receipt_date: finance has no \(currency) rate on or before "
          + "\(date.postgresText) to value the stock at (Ledger.SetExchangeRate)"
      )
    }
  }

  private static func record(
    _ session: PostgresSession,
    _ requestID: String,
    _ date: CalendarDate,
    _ rate: Rate?,
    _ request: Erp_Supplychain_V1_ReceiveGoodsRequest
  ) async throws -> String {
    let orders = try await session.query(
      """
      SELECT o.id, o.status, o.warehouse_id, o.currency_code, s.code AS supplier_code,
        s.name AS supplier_name
      FROM purchase_order o JOIN supplier s ON s.id = o.supplier_id
      WHERE o.number = $1 FOR UPDATE OF o
      """,
      [request.purchaseOrderNumber]
    )
    guard let order = orders.first else {
      throw RPCError(
        code: .notFound,
        message: "purchase_order_number: no purchase order \(quoted(request.purchaseOrderNumber))"
      )
    }
    let status: String = try order.decode("status")
    guard ["ordered", "partly_received"].contains(status) else {
      throw RPCError(
        code: .failedPrecondition,
        message:
          "purchase_order_number: \(request.purchaseOrderNumber) is \(status); goods are "
          + "received against ordered purchase orders"
      )
    }
    let orderID: Int64 = try order.decode("id")
    let warehouse: Int64 = try order.decode("warehouse_id")
    let currency: String = try order.decode("currency_code")
    // Read before the transaction; an order's currency never changes.
    guard let rate, rate.currency.code == currency else {
      throw RPCError(code: .aborted, message: "the purchase order changed; retry the receipt")
    }
    let receipt = try await session.query(
      """
      INSERT INTO goods_receipt (number, request_id, purchase_order_id, receipt_date, value_minor,
        bill_key)
      SELECT n, $1, $2, $3, 0, 'supplychain:' || n
      FROM (SELECT 'GRN-' || lpad(nextval('goods_receipt_number')::text, 6, '0') AS n) number
      RETURNING id, number, bill_key
      """,
      [requestID, orderID, date]
    )
    let receiptID: Int64 = try receipt[0].decode("id")
    let receiptNumber: String = try receipt[0].decode("number")

    var bill = Erp_Finance_V1_IssueInvoiceRequest()
    bill.direction = .payable
    bill.partyID = try order.decode("supplier_code")
    bill.partyName = try order.decode("supplier_name")
    bill.currencyCode = currency
    bill.issueDate = date.proto
    // No due date: finance takes it from the supplier's payment terms (or the tenant default).
    bill.sourceType = "goods_receipt"
    bill.sourceID = receiptNumber
    var total: Int64 = 0
    var baseTotal: Int64 = 0
    for (index, line) in request.lines.enumerated() {
      let field = "lines[\(index)]"
      let rows = try await session.query(
        """
        SELECT l.item_id, i.sku, i.name, l.quantity_milli - l.received_milli AS open,
          l.unit_cost_minor, l.tax_code
        FROM purchase_order_line l JOIN item i ON i.id = l.item_id
        WHERE l.purchase_order_id = $1 AND l.line_number = $2
        """,
        [orderID, Int(line.lineNumber)]
      )
      guard let orderLine = rows.first else {
        throw RPCError(
          code: .notFound,
          message:
            "\(field).line_number: \(request.purchaseOrderNumber) has no line \(line.lineNumber)"
        )
      }
      let open: Int64 = try orderLine.decode("open")
      guard line.quantityMilli <= open else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "\(field).quantity_milli: \(MilliQuantity.text(line.quantityMilli)) received, only "
            + "\(MilliQuantity.text(open)) still open on line \(line.lineNumber)"
        )
      }
      try await SupplyValues.location(
        session,
        warehouseID: warehouse,
        code: line.location,
        field: "\(field).location"
      )
      let unitCost: Int64 = try orderLine.decode("unit_cost_minor")
      let value = try SupplyValues.lineValue(quantityMilli: line.quantityMilli, unitMinor: unitCost)
      guard let baseValue = rate.rate.convert(value, from: rate.currency, to: rate.base) else {
        throw SupplyValues.invalid("\(field).quantity_milli", "value too large")
      }
      total += value
      baseTotal += baseValue
      try await session.pipeline([
        PostgresStatement(
          "UPDATE purchase_order_line SET received_milli = received_milli + $3 "
            + "WHERE purchase_order_id = $1 AND line_number = $2",
          [orderID, Int(line.lineNumber), line.quantityMilli]
        ),
        PostgresStatement(
          "INSERT INTO goods_receipt_line (goods_receipt_id, line_number, quantity_milli, "
            + "location, value_minor, base_value_minor) VALUES ($1, $2, $3, $4, $5, $6)",
          [receiptID, Int(line.lineNumber), line.quantityMilli, line.location, value, baseValue]
        ),
        PostgresStatement(
          "INSERT INTO stock_move (kind, item_id, warehouse_id, location, on_hand_delta, "
            + "value_delta, reference_type, reference_id) "
            + "VALUES ('receipt', $1, $2, $3, $4, $5, 'goods_receipt', $6)",
          [
            try orderLine.decode("item_id", as: Int64.self), warehouse, line.location,
            line.quantityMilli, baseValue, receiptNumber,
          ]
        ),
      ])
      var billLine = Erp_Finance_V1_InvoiceLine()
      billLine.description_p =
        "\(try orderLine.decode("sku", as: String.self)) \(try orderLine.decode("name", as: String.self))"
      billLine.quantityMilli = line.quantityMilli
      billLine.unitPriceMinor = unitCost
      billLine.taxCode = try orderLine.decode("tax_code")
      billLine.accountRole = "inventory"
      bill.lines.append(billLine)
    }
    try await session.query(
      "UPDATE goods_receipt SET value_minor = $2, base_value_minor = $3, "
        + "exchange_rate = $4::numeric WHERE id = $1",
      [receiptID, total, baseTotal, rate.rate.description]
    )
    try await session.query(
      """
      UPDATE purchase_order SET status = CASE
        WHEN (SELECT bool_and(received_milli = quantity_milli) FROM purchase_order_line
              WHERE purchase_order_id = $1) THEN 'received' ELSE 'partly_received' END
      WHERE id = $1
      """,
      [orderID]
    )
    if total > 0 {
      try await FinancePostings.queueBill(
        session,
        key: try receipt[0].decode("bill_key"),
        bill
      )
    }
    var received = Erp_Gateway_V1_DocumentEventData()
    received.kind = "goods_receipt"
    received.number = receiptNumber
    received.partyID = bill.partyID
    received.amount = Erp_Common_V1_Money(total, currency)
    received.summary = "Goods received from \(bill.partyName)"
    try await PartnerEvents.queue(
      session,
      .goodsReceived,
      key: "goods_receipt:\(receiptNumber)",
      data: received
    )
    return receiptNumber
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Supplychain_V1_GoodsReceipt
  {
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          """
          SELECT r.number, o.number AS order_number, r.receipt_date, r.value_minor,
            o.currency_code, o.status, coalesce(b.result, '') AS bill_number,
            r.exchange_rate::text AS rate, r.base_value_minor,
            coalesce((SELECT value FROM setting WHERE key = 'base_currency'), '') AS base
          FROM goods_receipt r JOIN purchase_order o ON o.id = r.purchase_order_id
          LEFT JOIN outbox b ON b.key = r.bill_key
          WHERE r.number = $1
          """,
          [number]
        ),
        PostgresStatement(
          "SELECT l.line_number, l.quantity_milli, l.location FROM goods_receipt r "
            + "JOIN goods_receipt_line l ON l.goods_receipt_id = r.id WHERE r.number = $1 "
            + "ORDER BY l.line_number",
          [number]
        ),
      ])
    }
    guard let row = results[0].first else {
      throw RPCError(code: .notFound, message: "number: no goods receipt \(quoted(number))")
    }
    var receipt = Erp_Supplychain_V1_GoodsReceipt()
    receipt.number = try row.decode("number")
    receipt.purchaseOrderNumber = try row.decode("order_number")
    receipt.receiptDate = try row.decode("receipt_date", as: CalendarDate.self).proto
    receipt.value = Erp_Common_V1_Money(
      try row.decode("value_minor"),
      try row.decode("currency_code")
    )
    receipt.billNumber = try row.decode("bill_number")
    receipt.exchangeRate = DecimalRate(try row.decode("rate", as: String.self))?.description ?? ""
    receipt.baseValue = Erp_Common_V1_Money(
      try row.decode("base_value_minor"),
      try row.decode("base", as: String.self)
    )
    receipt.orderStatus =
      PurchaseOrders.statuses[try row.decode("status", as: String.self)] ?? .unspecified
    receipt.lines = try results[1].map { line in
      var receiptLine = Erp_Supplychain_V1_ReceiptLine()
      receiptLine.lineNumber = try line.decode("line_number")
      receiptLine.quantityMilli = try line.decode("quantity_milli")
      receiptLine.location = try line.decode("location")
      return receiptLine
    }
    return receipt
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Quotations and orders. Creating one checks the customer with the customers service, the
/// items with the supply chain (and takes their names), the tax codes with finance, and prices
/// lines from the price list when they name no price; all before the one transaction that
/// records it, idempotent by request id.
enum OrderCreation {
  static func create(
    _ context: SalesContext,
    _ tenant: TenantID,
    _ request: Erp_Sales_V1_CreateOrderRequest,
    quotation: Bool
  ) async throws -> Erp_Sales_V1_SalesOrder {
    let requestID = try checkedRequestID(request.requestID)
    let key = try RequestKey(
      quotation ? "sales.quotation" : "sales.order",
      request,
      id: \.requestID
    )
    guard !request.lines.isEmpty, request.lines.count <= 500 else {
      throw SalesValues.invalid("lines", "1 to 500 lines")
    }
    guard Currency(code: request.currencyCode) != nil else {
      throw SalesValues.invalid(
        "currency_code",
        "unknown ISO 4217 code \(quoted(request.currencyCode))"
      )
    }
    guard !request.warehouseCode.isEmpty else {
      throw SalesValues.invalid("warehouse_code", "required")
    }
    let orderDiscount = try SalesValues.basisPoints(
      request.orderDiscountBasisPoints,
      field: "order_discount_basis_points"
    )
    let date = try CalendarDate.orToday(request.orderDate, field: "order_date")
    for (index, line) in request.lines.enumerated() {
      let field = "lines[\(index)]"
      guard line.quantityMilli > 0 else {
        throw SalesValues.invalid(
          field + ".quantity_milli",
          "must be positive, got \(line.quantityMilli)"
        )
      }
      guard line.unitPriceMinor >= 0 else {
        throw SalesValues.invalid(field + ".unit_price_minor", "must not be negative")
      }
      guard line.unitPriceMinor > 0 || !request.priceListCode.isEmpty else {
        throw SalesValues.invalid(field + ".unit_price_minor", "required without a price list")
      }
      _ = try SalesValues.basisPoints(
        line.discountBasisPoints,
        field: field + ".discount_basis_points"
      )
    }
    let existing = try await context.pool.tenantQuery(
      tenant,
      "SELECT number FROM sales_order WHERE request_id = $1",
      [requestID]
    )
    if let row = existing.first {
      try await RequestLog.checkRepeat(context.pool, tenant, key)
      return try await OrderReading.get(context.pool, tenant, number: try row.decode("number"))
    }

    let customer = try await PeerChecks.customer(context.peers, request.customerID)
    let names = try await PeerChecks.items(context.peers, request.lines.map(\.sku))
    let rates = try await PeerChecks.taxRates(context.peers)
    let number = try await creatingOnce(
      context.pool,
      tenant,
      key,
      requestIDConstraints: ["sales_order_request_id_key"]
    ) { session in
      let done = try await session.query(
        "SELECT number FROM sales_order WHERE request_id = $1",
        [requestID]
      )
      if let row = done.first { return try row.decode("number", as: String.self) }
      var statements: [PostgresStatement] = []
      for (index, line) in request.lines.enumerated() {
        let field = "lines[\(index)]"
        let taxCode = line.taxCode.isEmpty ? "STD" : line.taxCode
        guard let rate = rates[taxCode] else {
          throw SalesValues.invalid(
            field + ".tax_code",
            "finance has no tax code \(quoted(taxCode))"
          )
        }
        let price =
          line.unitPriceMinor > 0
          ? line.unitPriceMinor
          : try await PriceLists.price(
            session,
            list: request.priceListCode,
            sku: line.sku,
            currency: request.currencyCode,
            on: date,
            field: field + ".sku"
          )
        guard
          let amounts = OrderAmounts.line(
            quantityMilli: line.quantityMilli,
            unitPriceMinor: price,
            discountBP: Int(line.discountBasisPoints),
            orderDiscountBP: orderDiscount,
            taxBP: rate
          )
        else { throw SalesValues.invalid(field, "the amount is too large") }
        statements.append(
          PostgresStatement(
            """
            INSERT INTO sales_order_line (order_id, line_number, sku, description, quantity_milli,
              unit_price_minor, discount_bp, tax_code, tax_rate_bp, net_minor, tax_minor)
            SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM sales_order WHERE request_id = $1
            """,
            [
              requestID, index + 1, line.sku, names[line.sku] ?? line.sku, line.quantityMilli,
              price,
              Int(line.discountBasisPoints), taxCode, rate, amounts.net, amounts.tax,
            ]
          )
        )
      }
      let sequence = quotation ? "quotation_number" : "order_number"
      let prefix = quotation ? "QT-" : "SO-"
      let created = try await session.query(
        """
        INSERT INTO sales_order (number, request_id, customer_id, customer_name, owner_id,
          currency_code, order_date, warehouse_code, price_list_code, order_discount_bp, status)
        VALUES ('\(prefix)' || lpad(nextval('\(sequence)')::text, 6, '0'), $1, $2, $3, $4, $5, $6,
          $7, $8, $9, $10)
        RETURNING number
        """,
        [
          requestID, customer.id, customer.name, request.ownerID, request.currencyCode, date,
          request.warehouseCode, request.priceListCode, orderDiscount,
          quotation ? "quotation" : "draft",
        ]
      )
      _ = try await session.pipeline(statements)
      return try created[0].decode("number", as: String.self)
    }
    return try await OrderReading.get(context.pool, tenant, number: number)
  }

  /// A draft order from a quotation, its lines and prices as quoted; converting again returns
  /// the same order.
  static func convert(
    _ context: SalesContext,
    _ tenant: TenantID,
    quotation number: String
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    let orderNumber = try await context.pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT id, status, related_number FROM sales_order WHERE number = $1 FOR UPDATE",
        [number]
      )
      guard let row = rows.first else {
        throw RPCError(code: .notFound, message: "number: no quotation \(quoted(number))")
      }
      switch try row.decode("status", as: String.self) {
      case "converted": return try row.decode("related_number", as: String.self)
      case "quotation": break
      default:
        throw RPCError(
          code: .failedPrecondition,
          message: "number: \(quoted(number)) is not a quotation"
        )
      }
      let quotationID: Int64 = try row.decode("id")
      let created = try await session.query(
        """
        INSERT INTO sales_order (number, request_id, customer_id, customer_name, owner_id,
          currency_code, order_date, warehouse_code, price_list_code, order_discount_bp, status,
          related_number)
        SELECT 'SO-' || lpad(nextval('order_number')::text, 6, '0'), 'convert:' || number,
          customer_id, customer_name, owner_id, currency_code, current_date, warehouse_code,
          price_list_code, order_discount_bp, 'draft', number
        FROM sales_order WHERE id = $1
        RETURNING id, number
        """,
        [quotationID]
      )
      let orderID: Int64 = try created[0].decode("id")
      let order: String = try created[0].decode("number")
      _ = try await session.pipeline([
        PostgresStatement(
          """
          INSERT INTO sales_order_line (order_id, line_number, sku, description, quantity_milli,
            unit_price_minor, discount_bp, tax_code, tax_rate_bp, net_minor, tax_minor)
          SELECT $2, line_number, sku, description, quantity_milli, unit_price_minor, discount_bp,
            tax_code, tax_rate_bp, net_minor, tax_minor
          FROM sales_order_line WHERE order_id = $1
          """,
          [quotationID, orderID]
        ),
        PostgresStatement(
          "UPDATE sales_order SET status = 'converted', related_number = $2 WHERE id = $1",
          [quotationID, order]
        ),
      ])
      return order
    }
    return try await OrderReading.get(context.pool, tenant, number: orderNumber)
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// An order (or quotation) as the API shows it, with its finance documents' numbers.
enum OrderReading {
  static func read(
    _ session: PostgresSession,
    number: String
  ) async throws -> Erp_Sales_V1_SalesOrder {
    guard let stored = try await OrderStore(session).read(number) else {
      throw RPCError(code: .notFound, message: "number: no order or quotation \(quoted(number))")
    }
    let row = stored.header
    var order = Erp_Sales_V1_SalesOrder()
    order.number = try row.decode("number")
    order.status = OrderStatus(rawValue: try row.decode("status"))?.proto ?? .unspecified
    order.customerID = try row.decode("customer_id")
    order.customerName = try row.decode("customer_name")
    order.ownerID = try row.decode("owner_id")
    order.currencyCode = try row.decode("currency_code")
    order.orderDate = try row.decode("order_date", as: CalendarDate.self).proto
    order.warehouseCode = try row.decode("warehouse_code")
    order.priceListCode = try row.decode("price_list_code")
    order.orderDiscountBasisPoints = try row.decode("order_discount_bp")
    order.relatedNumber = try row.decode("related_number")
    order.lastError = try row.decode("last_error")
    order.lines = try stored.lines.map { line in
      var orderLine = Erp_Sales_V1_OrderLine()
      orderLine.lineNumber = try line.decode("line_number")
      orderLine.sku = try line.decode("sku")
      orderLine.description_p = try line.decode("description")
      orderLine.quantityMilli = try line.decode("quantity_milli")
      orderLine.unitPriceMinor = try line.decode("unit_price_minor")
      orderLine.discountBasisPoints = try line.decode("discount_bp")
      orderLine.taxCode = try line.decode("tax_code")
      orderLine.netMinor = try line.decode("net_minor")
      orderLine.taxMinor = try line.decode("tax_minor")
      orderLine.shippedMilli = try line.decode("shipped_milli")
      orderLine.returnedMilli = try line.decode("returned_milli")
      return orderLine
    }
    let subtotal = order.lines.reduce(0) { $0 + $1.netMinor }
    let tax = order.lines.reduce(0) { $0 + $1.taxMinor }
    order.subtotal = Erp_Common_V1_Money(subtotal, order.currencyCode)
    order.tax = Erp_Common_V1_Money(tax, order.currencyCode)
    order.total = Erp_Common_V1_Money(subtotal + tax, order.currencyCode)
    for document in stored.issued {
      let number: String = try document.decode("result")
      if try document.decode("kind", as: String.self) == "invoice" {
        order.invoiceNumbers.append(number)
      } else {
        order.creditNoteNumbers.append(number)
      }
    }
    if let override = stored.override {
      order.creditOverride = try CreditCheck.proto(override)
    }
    return order
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    try await OrderStore.inTenant(pool, tenant) { try await Self.read($0.session, number: number) }
  }

  /// The supply chain reservation id of an order line, per confirmation attempt (a
  /// confirmation undone and tried again reserves afresh under new ids).
  static func reservationID(_ number: String, line: Int, attempt: Int) -> String {
    attempt <= 1 ? "\(number)/\(line)" : "\(number)/\(line)#\(attempt)"
  }
}

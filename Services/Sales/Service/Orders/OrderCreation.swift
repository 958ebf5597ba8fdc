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
    let ownerID = try RecordRules.owner(forNew: request.ownerID)
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
    if let existing = try await OrderStore.number(context.pool, tenant, requestID: requestID) {
      try await RequestLog.checkRepeat(context.pool, tenant, key)
      return try await OrderReading.get(context.pool, tenant, number: existing)
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
      let store = OrderStore(session, metrics: context.orders)
      if let done = try await store.number(requestID: requestID) { return done }
      var lines: [OrderStore.NewLine] = []
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
        lines.append(
          OrderStore.NewLine(
            sku: line.sku,
            description: names[line.sku] ?? line.sku,
            quantityMilli: line.quantityMilli,
            unitPriceMinor: price,
            discountBP: Int(line.discountBasisPoints),
            taxCode: taxCode,
            taxRateBP: rate,
            net: amounts.net,
            tax: amounts.tax
          )
        )
      }
      let order = OrderStore.NewOrder(
        requestID: requestID,
        customerID: customer.id,
        customerName: customer.name,
        ownerID: ownerID,
        currency: request.currencyCode,
        date: date,
        warehouse: request.warehouseCode,
        priceList: request.priceListCode,
        discountBP: orderDiscount,
        quotation: quotation
      )
      return try await store.create(order, lines: lines)
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
    let orderNumber = try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) {
      store in
      guard let quotation = try await store.lockQuotation(number) else {
        throw RPCError(code: .notFound, message: "number: no quotation \(quoted(number))")
      }
      switch OrderLifecycle.transition(OrderState(quotation.status), .convert) {
      case .move(let state):
        return try await store.convert(quotation: quotation.id, to: state.status)
      case .refuse(let refusal):
        throw RPCError(
          code: .failedPrecondition,
          message: refusal.message(number: number, status: quotation.status)
        )
      case .unchanged, .proceed, .wait:
        return quotation.related
      }
    }
    return try await OrderReading.get(context.pool, tenant, number: orderNumber)
  }
}

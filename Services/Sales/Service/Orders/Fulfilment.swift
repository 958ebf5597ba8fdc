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
    return try await Self.fulfil(
      context,
      tenant,
      kind: .shipment,
      event: .ship,
      RequestKey("sales.shipment", request, id: \.requestID),
      request.number,
      request.lines
    ) {
      (request.carrier, request.trackingNumber, "")
    }
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
    return try await Self.fulfil(
      context,
      tenant,
      kind: .return,
      event: .returnGoods,
      RequestKey("sales.return", request, id: \.requestID),
      request.number,
      request.lines
    ) {
      ("", "", request.reason)
    }
  }

  /// Records the request, asks the supply chain and answers with the order, the whole time
  /// driven by this handler, so the recovery worker does not finish it beside the handler
  /// (which would then answer before the invoice or credit note is issued).
  private static func fulfil(
    _ context: SalesContext,
    _ tenant: TenantID,
    kind: OrderStore.FulfilmentKind,
    event: OrderEvent,
    _ key: RequestKey,
    _ number: String,
    _ asked: [Erp_Sales_V1_ShipLine],
    extra: @escaping @Sendable () -> (carrier: String, tracking: String, reason: String)
  ) async throws -> Erp_Sales_V1_SalesOrder {
    try await context.recovery.driving(tenant, number) {
      let id = try await Self.record(
        context,
        tenant,
        kind: kind,
        event: event,
        key,
        number,
        asked,
        extra: extra
      )
      try await Self.finish(context, tenant, fulfilment: id)
    }
    return try await OrderReading.get(context.pool, tenant, number: number)
  }

  /// Records the request (or finds the one recorded under the same request id) and returns
  /// its id, when the order's state allows `event`. No lines asked means all that is open.
  private static func record(
    _ context: SalesContext,
    _ tenant: TenantID,
    kind: OrderStore.FulfilmentKind,
    event: OrderEvent,
    _ key: RequestKey,
    _ number: String,
    _ asked: [Erp_Sales_V1_ShipLine],
    extra: @escaping @Sendable () -> (carrier: String, tracking: String, reason: String)
  ) async throws -> Int64 {
    try await creatingOnce(
      context.pool,
      tenant,
      key,
      requestIDConstraints: ["sales_fulfilment_request_id_key"]
    ) {
      session in
      let store = OrderStore(session, metrics: context.orders)
      let requestID = key.requestID
      if let done = try await store.fulfilment(kind, requestID: requestID) { return done }
      let order = try await store.lock(number)
      if case .refuse(let refusal) = order.transition(event) { throw order.refused(refusal) }
      let available = try await store.open(kind, order)
      var lines: [(line: Int, milli: Int64)] = []
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
      return try await store.request(
        kind,
        order,
        requestID: requestID,
        lines: lines,
        carrier: carrier,
        tracking: tracking,
        reason: reason
      )
    }
  }

  /// Asks the supply chain (again) and records what it did.
  static func finish(_ context: SalesContext, _ tenant: TenantID, fulfilment id: Int64) async throws
  {
    guard let fulfilment = try await OrderStore.fulfilment(context.pool, tenant, id: id),
      fulfilment.requested
    else { return }
    let number = fulfilment.number
    let parts = fulfilment.parts
    let order = try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) {
      try await $0.lock(number)
    }
    let shipping = try context.peers.supplychain.shipping
    var document = ""
    if fulfilment.kind == .shipment {
      var ship = Erp_Supplychain_V1_ShipOrderRequest()
      ship.requestID = "sales:ship:\(id)"
      ship.orderID = number
      ship.carrier = fulfilment.carrier
      ship.trackingNumber = fulfilment.trackingNumber
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
        back.reason = fulfilment.reason
        _ = try await shipping.receiveReturn(back)
      }
    }
    try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
      let session = store.session
      let current = try await store.lock(number)
      guard try await store.finish(fulfilment, id: id, order: current, document: document) else {
        return
      }
      if fulfilment.kind == .shipment {
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
        try await Invoicing.settleStatus(store, current)
      } else {
        if let invoiceKey = try await store.lastInvoiceKey(current) {
          try await Invoicing.queueCreditNote(
            session,
            current,
            key: "sales:\(number):return:\(id)",
            invoiceKey: invoiceKey,
            parts: parts,
            reason: fulfilment.reason
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
    try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
      try await Invoicing.settleStatus(store, try await store.lock(number))
    }
  }
}

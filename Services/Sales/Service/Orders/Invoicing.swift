import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Invoices and credit notes for orders, queued for finance through the outbox, and the
/// order's status as its shipments and finance's invoices have it. An invoice line carries
/// the order line's net for the part invoiced (quantity 1, price = that net), so finance's
/// totals equal the order's to the minor unit; parts of a line are shares of its net and the
/// last part takes what is left.
enum Invoicing {
  static let creditNoteTopic = "finance.credit_note"

  /// Queues an invoice for `parts` (line number, quantity) under `key`.
  static func queueInvoice(
    _ session: PostgresSession,
    _ order: OrderRow,
    key: String,
    parts: [(line: Int, milli: Int64)]
  ) async throws {
    let today = CalendarDate.today()
    var invoice = Erp_Finance_V1_IssueInvoiceRequest()
    invoice.direction = .receivable
    invoice.partyID = order.customerID
    invoice.partyName = order.customerName
    invoice.currencyCode = order.currency
    invoice.issueDate = today.proto
    // No due date: finance takes it from the customer's payment terms (or the tenant default).
    invoice.sourceType = "sales_order"
    invoice.sourceID = order.number
    let store = OrderStore(session)
    let lines = try await store.invoiceLines(order)
    var recorded: [OrderStore.DocumentPart] = []
    for part in parts where part.milli > 0 {
      guard let line = lines[part.line] else { continue }
      let net = OrderAmounts.share(
        net: line.net,
        quantity: line.quantity,
        part: part.milli,
        done: line.invoicedMilli,
        doneNet: line.invoicedNet
      )
      invoice.lines.append(Self.financeLine(line, net: net, milli: part.milli))
      recorded.append(OrderStore.DocumentPart(line: part.line, milli: part.milli, net: net))
    }
    guard !invoice.lines.isEmpty else { return }
    try await store.record(.invoice, order, key: key, on: today, parts: recorded)
    try await FinancePostings.queueBill(session, key: key, invoice)
  }

  /// Queues a credit note on the invoice queued under `invoiceKey` for `parts`, each the share
  /// of its line's net not credited yet.
  static func queueCreditNote(
    _ session: PostgresSession,
    _ order: OrderRow,
    key: String,
    invoiceKey: String,
    parts: [(line: Int, milli: Int64)],
    reason: String
  ) async throws {
    let today = CalendarDate.today()
    let store = OrderStore(session)
    let lines = try await store.invoiceLines(order)
    let credited = try await store.credited(order)
    var note = Erp_Finance_V1_IssueCreditNoteRequest()
    note.requestID = key
    note.invoiceNumber = "@key:" + invoiceKey
    note.issueDate = today.proto
    note.reason = reason
    var recorded: [OrderStore.DocumentPart] = []
    for part in parts where part.milli > 0 {
      guard let line = lines[part.line] else { continue }
      let (doneMilli, doneNet) = credited[part.line] ?? (0, 0)
      let net = OrderAmounts.share(
        net: line.net,
        quantity: line.quantity,
        part: part.milli,
        done: doneMilli,
        doneNet: doneNet
      )
      note.lines.append(Self.financeLine(line, net: net, milli: part.milli))
      recorded.append(OrderStore.DocumentPart(line: part.line, milli: part.milli, net: net))
    }
    guard !note.lines.isEmpty else { return }
    try await store.record(.creditNote, order, key: key, on: today, parts: recorded)
    try await Outbox.enqueue(
      session,
      topic: Self.creditNoteTopic,
      key: key,
      payload: try note.jsonString()
    )
  }

  /// Moves the order's status along from what its lines and documents say (``Fulfilled``):
  /// confirmed, partly shipped, shipped, or invoiced (shipped in full, invoiced in full, every
  /// invoice issued in finance). Paid is decided by `refreshPayment`. `order` is locked.
  static func settleStatus(_ store: OrderStore, _ order: OrderRow) async throws {
    let fulfilled = try await store.fulfilled(order)
    if case .move(let state) = order.transition(.settle(fulfilled)) {
      try await store.move(order, to: state)
    }
  }

  /// An invoiced order whose invoices finance shows paid (or credited) becomes paid, and the
  /// customers service hears of it.
  static func refreshPayment(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws {
    let order = try await OrderReading.get(context.pool, tenant, number: number)
    if order.status == .shipped {
      try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
        try await Self.settleStatus(store, try await store.lock(number))
      }
    }
    let current = try await OrderReading.get(context.pool, tenant, number: number)
    guard current.status == .invoiced, !current.invoiceNumbers.isEmpty else { return }
    let billing = try context.peers.finance.billing
    for invoice in current.invoiceNumbers {
      var request = Erp_Finance_V1_GetInvoiceRequest()
      request.number = invoice
      let status = try await billing.getInvoice(request).status
      guard status == .paid || status == .credited else { return }
    }
    try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
      let row = try await store.lock(number)
      guard case .move(let state) = row.transition(.paid) else { return }
      try await store.move(row, to: state)
      try await OrderEvents.queue(
        store.session,
        row,
        type: "invoice_paid",
        summary: "Order \(row.number) paid",
        amount: row.total,
        key: "sales:\(row.number):paid"
      )
    }
    await context.relay.deliverWritten(tenant)
  }

  private static func financeLine(
    _ line: OrderStore.InvoiceLine,
    net: Int64,
    milli: Int64
  ) -> Erp_Finance_V1_InvoiceLine {
    var financeLine = Erp_Finance_V1_InvoiceLine()
    financeLine.description_p = "\(line.sku) \(line.description) × \(MilliQuantity.text(milli))"
    financeLine.quantityMilli = 1_000
    financeLine.unitPriceMinor = net
    financeLine.taxCode = line.taxCode
    return financeLine
  }
}

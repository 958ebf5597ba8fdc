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
    let settings = try await SalesSettingsStore.get(session)
    let today = CalendarDate.today()
    var invoice = Erp_Finance_V1_IssueInvoiceRequest()
    invoice.direction = .receivable
    invoice.partyID = order.customerID
    invoice.partyName = order.customerName
    invoice.currencyCode = order.currency
    invoice.issueDate = today.proto
    invoice.dueDate = today.adding(days: Int(settings.paymentTermsDays)).proto
    invoice.sourceType = "sales_order"
    invoice.sourceID = order.number
    let lines = try await Self.lines(session, order)
    var recorded: [PostgresStatement] = [
      PostgresStatement(
        "INSERT INTO sales_document (key, order_id, kind, issued_on) VALUES ($1, $2, 'invoice', $3)",
        [key, order.id, today]
      )
    ]
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
      recorded += [
        PostgresStatement(
          "UPDATE sales_order_line SET invoiced_milli = invoiced_milli + $3, "
            + "invoiced_net_minor = invoiced_net_minor + $4 WHERE order_id = $1 AND line_number = $2",
          [order.id, part.line, part.milli, net]
        ),
        PostgresStatement(
          "INSERT INTO sales_document_line (key, line_number, quantity_milli, net_minor) VALUES ($1, $2, $3, $4)",
          [key, part.line, part.milli, net]
        ),
      ]
    }
    guard !invoice.lines.isEmpty else { return }
    _ = try await session.pipeline(recorded)
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
    let lines = try await Self.lines(session, order)
    let credited = try await session.query(
      """
      SELECT l.line_number, sum(l.quantity_milli)::bigint AS milli, sum(l.net_minor)::bigint AS net
      FROM sales_document d JOIN sales_document_line l ON l.key = d.key
      WHERE d.order_id = $1 AND d.kind = 'credit_note' GROUP BY l.line_number
      """,
      [order.id]
    ).reduce(into: [Int: (Int64, Int64)]()) {
      $0[try $1.decode("line_number")] = (try $1.decode("milli"), try $1.decode("net"))
    }
    var note = Erp_Finance_V1_IssueCreditNoteRequest()
    note.requestID = key
    note.invoiceNumber = "@key:" + invoiceKey
    note.issueDate = today.proto
    note.reason = reason
    var recorded: [PostgresStatement] = [
      PostgresStatement(
        "INSERT INTO sales_document (key, order_id, kind, issued_on) VALUES ($1, $2, 'credit_note', $3)",
        [key, order.id, today]
      )
    ]
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
      recorded.append(
        PostgresStatement(
          "INSERT INTO sales_document_line (key, line_number, quantity_milli, net_minor) VALUES ($1, $2, $3, $4)",
          [key, part.line, part.milli, net]
        )
      )
    }
    guard !note.lines.isEmpty else { return }
    _ = try await session.pipeline(recorded)
    try await Outbox.enqueue(
      session,
      topic: Self.creditNoteTopic,
      key: key,
      payload: try note.jsonString()
    )
  }

  /// Moves the order's status along from what its lines and documents say: confirmed,
  /// partly shipped, shipped, or invoiced (shipped in full, invoiced in full, every invoice
  /// issued in finance). Paid is decided by `refreshPayment`.
  static func settleStatus(_ session: PostgresSession, orderID: Int64) async throws {
    try await session.query(
      """
      WITH facts AS (
        SELECT bool_and(shipped_milli = quantity_milli) AS all_shipped,
          bool_or(shipped_milli > 0) AS some_shipped,
          bool_and(invoiced_milli = quantity_milli) AS all_invoiced,
          NOT EXISTS (SELECT 1 FROM sales_document d JOIN outbox x ON x.key = d.key
                      WHERE d.order_id = $1 AND x.result IS NULL) AS issued
        FROM sales_order_line WHERE order_id = $1)
      UPDATE sales_order o SET status = CASE
          WHEN f.all_shipped AND f.all_invoiced AND f.issued THEN 'invoiced'
          WHEN f.all_shipped THEN 'shipped'
          WHEN f.some_shipped THEN 'partly_shipped'
          ELSE 'confirmed' END
      FROM facts f
      WHERE o.id = $1 AND o.status IN ('confirmed', 'partly_shipped', 'shipped', 'invoiced')
      """,
      [orderID]
    )
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
      try await context.pool.withTenant(tenant) { session in
        try await Self.settleStatus(
          session,
          orderID: try await OrderRow.lock(session, number: number).id
        )
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
    try await context.pool.withTenant(tenant) { session in
      let row = try await OrderRow.lock(session, number: number)
      guard row.status == "invoiced" else { return }
      try await session.query("UPDATE sales_order SET status = 'paid' WHERE id = $1", [row.id])
      try await OrderEvents.queue(
        session,
        row,
        type: "invoice_paid",
        summary: "Order \(row.number) paid",
        amount: row.total,
        key: "sales:\(row.number):paid"
      )
    }
    await context.relay.deliverWritten(tenant)
  }

  struct Line {
    var sku: String
    var description: String
    var quantity: Int64
    var net: Int64
    var taxCode: String
    var invoicedMilli: Int64
    var invoicedNet: Int64
  }

  private static func lines(
    _ session: PostgresSession,
    _ order: OrderRow
  ) async throws -> [Int: Line] {
    try await session.query(
      "SELECT line_number, sku, description, quantity_milli, net_minor, tax_code, invoiced_milli, "
        + "invoiced_net_minor FROM sales_order_line WHERE order_id = $1",
      [order.id]
    ).reduce(into: [:]) { lines, row in
      lines[try row.decode("line_number")] = Line(
        sku: try row.decode("sku"),
        description: try row.decode("description"),
        quantity: try row.decode("quantity_milli"),
        net: try row.decode("net_minor"),
        taxCode: try row.decode("tax_code"),
        invoicedMilli: try row.decode("invoiced_milli"),
        invoicedNet: try row.decode("invoiced_net_minor")
      )
    }
  }

  private static func financeLine(
    _ line: Line,
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

import ERPRuntime
import ERPStore

/// The order SQL of invoices and credit notes: the lines as invoicing needs them, what was
/// credited already, and the documents recorded with their lines (for revenue reports).
extension OrderStore {
  struct InvoiceLine: Sendable {
    var sku: String
    var description: String
    var quantity: Int64
    var net: Int64
    var taxCode: String
    var invoicedMilli: Int64
    var invoicedNet: Int64
  }

  /// A part of a line on a document: its line number, quantity and net.
  struct DocumentPart: Sendable {
    var line: Int
    var milli: Int64
    var net: Int64
  }

  enum DocumentKind: String, Sendable {
    case invoice
    case creditNote = "credit_note"
  }

  /// The order's lines by number, with what was invoiced of each.
  func invoiceLines(_ order: OrderRow) async throws -> [Int: InvoiceLine] {
    try await self.session.query(
      "SELECT line_number, sku, description, quantity_milli, net_minor, tax_code, invoiced_milli, "
        + "invoiced_net_minor FROM sales_order_line WHERE order_id = $1",
      [order.id]
    ).reduce(into: [:]) { lines, row in
      lines[try row.decode("line_number")] = InvoiceLine(
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

  /// The quantity and net credited so far, by line number.
  func credited(_ order: OrderRow) async throws -> [Int: (milli: Int64, net: Int64)] {
    try await self.session.query(
      """
      SELECT l.line_number, sum(l.quantity_milli)::bigint AS milli, sum(l.net_minor)::bigint AS net
      FROM sales_document d JOIN sales_document_line l ON l.key = d.key
      WHERE d.order_id = $1 AND d.kind = 'credit_note' GROUP BY l.line_number
      """,
      [order.id]
    ).reduce(into: [:]) {
      $0[try $1.decode("line_number")] = (try $1.decode("milli"), try $1.decode("net"))
    }
  }

  /// Records a document queued under `key` with its parts; an invoice also counts its parts as
  /// invoiced on the order's lines.
  func record(
    _ kind: DocumentKind,
    _ order: OrderRow,
    key: String,
    on date: CalendarDate,
    parts: [DocumentPart]
  ) async throws {
    var statements = [
      PostgresStatement(
        "INSERT INTO sales_document (key, order_id, kind, issued_on) VALUES ($1, $2, $3, $4)",
        [key, order.id, kind.rawValue, date]
      )
    ]
    for part in parts {
      if kind == .invoice {
        statements.append(
          PostgresStatement(
            "UPDATE sales_order_line SET invoiced_milli = invoiced_milli + $3, "
              + "invoiced_net_minor = invoiced_net_minor + $4 WHERE order_id = $1 AND line_number = $2",
            [order.id, part.line, part.milli, part.net]
          )
        )
      }
      statements.append(
        PostgresStatement(
          "INSERT INTO sales_document_line (key, line_number, quantity_milli, net_minor) VALUES ($1, $2, $3, $4)",
          [key, part.line, part.milli, part.net]
        )
      )
    }
    _ = try await self.session.pipeline(statements)
  }

  /// Whether a document was queued under `key`.
  func hasDocument(key: String) async throws -> Bool {
    try await !self.session.query("SELECT 1 FROM sales_document WHERE key = $1", [key]).isEmpty
  }

  /// The key of the order's invoice queued last, if any.
  func lastInvoiceKey(_ order: OrderRow) async throws -> String? {
    try await self.session.query(
      """
      SELECT d.key FROM sales_document d JOIN outbox x ON x.key = d.key
      WHERE d.order_id = $1 AND d.kind = 'invoice' ORDER BY x.id DESC LIMIT 1
      """,
      [order.id]
    ).first?.decode("key")
  }

  /// The number finance gave the document queued under `key`, once it is issued.
  static func issuedNumber(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    key: String
  ) async throws -> String? {
    try await pool.tenantQuery(
      tenant,
      "SELECT result FROM outbox WHERE key = $1 AND result IS NOT NULL",
      [key]
    ).first?.decode("result")
  }
}

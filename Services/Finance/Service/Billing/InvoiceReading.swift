import ERPMoney
import ERPProtos
import ERPStore
import GRPCCore
import SwiftProtobuf

/// Reads invoices back with what was paid, credited and is outstanding, derived from the
/// allocations each time (never stored twice).
enum InvoiceReading {
  static func byRequestID(
    _ session: PostgresSession,
    _ requestID: String
  ) async throws
    -> (hash: String, number: String, value: Erp_Finance_V1_Invoice)?
  {
    let rows = try await session.query(
      "SELECT id, content_hash, number FROM invoice WHERE request_id = $1",
      [requestID]
    )
    guard let row = rows.first else { return nil }
    return (
      try row.decode("content_hash", as: String.self), try row.decode("number", as: String.self),
      try await Self.byID(session, try row.decode("id", as: Int64.self))
    )
  }

  static func byNumber(
    _ session: PostgresSession,
    _ number: String
  ) async throws -> Erp_Finance_V1_Invoice {
    let rows = try await session.query("SELECT id FROM invoice WHERE number = $1", [number])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "number: no invoice \(quoted(number))")
    }
    return try await Self.byID(session, try row.decode("id", as: Int64.self))
  }

  /// A party's invoices (not credit notes), newest first; with `open_only`, those with
  /// something outstanding (total less payments and credits allocated).
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_ListInvoicesRequest
  ) async throws -> [Erp_Finance_V1_Invoice] {
    let direction = try BillingValues.direction(request.direction)
    guard (0...100).contains(request.limit) else {
      throw LedgerValues.invalid("limit", "0 to 100")
    }
    return try await pool.withTenant(tenant) { session in
      let ids = try await session.query(
        """
        SELECT i.id FROM invoice i
        WHERE i.direction = $1 AND i.party_id = $2 AND NOT i.is_credit_note
          AND (NOT $3 OR i.total_minor > (SELECT coalesce(sum(amount_minor), 0) FROM allocation
                                          WHERE invoice_id = i.id))
        ORDER BY i.id DESC LIMIT $4
        """,
        [
          direction, request.partyID, request.openOnly,
          request.limit == 0 ? 20 : Int(request.limit),
        ]
      )
      var invoices: [Erp_Finance_V1_Invoice] = []
      for row in ids { invoices.append(try await Self.byID(session, try row.decode("id"))) }
      return invoices
    }
  }

  static func byID(_ session: PostgresSession, _ id: Int64) async throws -> Erp_Finance_V1_Invoice {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT i.number, i.direction, i.is_credit_note, i.party_id, i.party_name, i.currency,
          i.issue_date, i.due_date, i.subtotal_minor, i.tax_minor, i.total_minor,
          i.source_type, i.source_id, coalesce(c.number, '') AS credits, e.number AS entry,
          extract(epoch FROM i.issued_at)::bigint AS issued_at, i.zatca_qr, i.payment_terms,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation
            WHERE invoice_id = i.id AND payment_id IS NOT NULL) AS paid,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation
            WHERE invoice_id = i.id AND credit_note_id IS NOT NULL) AS credited
        FROM invoice i JOIN journal_entry e ON e.id = i.entry_id
        LEFT JOIN invoice c ON c.id = i.credits_invoice_id
        WHERE i.id = $1
        """,
        [id]
      ),
      PostgresStatement(
        """
        SELECT l.description, l.quantity_milli, l.unit_price_minor, l.tax_code, a.code,
          l.net_minor, l.tax_minor
        FROM invoice_line l JOIN account a ON a.id = l.account_id
        WHERE l.invoice_id = $1 ORDER BY l.line_no
        """,
        [id]
      ),
    ])
    let row = results[0][0]
    let currency = try row.decode("currency", as: String.self)
    var invoice = Erp_Finance_V1_Invoice()
    invoice.number = try row.decode("number", as: String.self)
    invoice.direction = BillingValues.direction(try row.decode("direction", as: String.self))
    invoice.isCreditNote = try row.decode("is_credit_note", as: Bool.self)
    invoice.partyID = try row.decode("party_id", as: String.self)
    invoice.partyName = try row.decode("party_name", as: String.self)
    invoice.issueDate = LedgerValues.proto(try row.decode("issue_date", as: CalendarDate.self))
    invoice.dueDate = LedgerValues.proto(try row.decode("due_date", as: CalendarDate.self))
    let total = try row.decode("total_minor", as: Int64.self)
    let paid = try row.decode("paid", as: Int64.self)
    let credited = try row.decode("credited", as: Int64.self)
    invoice.subtotal = Erp_Common_V1_Money(
      try row.decode("subtotal_minor", as: Int64.self),
      currency
    )
    invoice.tax = Erp_Common_V1_Money(try row.decode("tax_minor", as: Int64.self), currency)
    invoice.total = Erp_Common_V1_Money(total, currency)
    invoice.paid = Erp_Common_V1_Money(paid, currency)
    invoice.credited = Erp_Common_V1_Money(credited, currency)
    invoice.outstanding = Erp_Common_V1_Money(
      invoice.isCreditNote ? 0 : total - paid - credited,
      currency
    )
    invoice.status = Self.status(
      isCreditNote: invoice.isCreditNote,
      total: total,
      paid: paid,
      credited: credited
    )
    invoice.creditsInvoice = try row.decode("credits", as: String.self)
    invoice.journalEntry = try row.decode("entry", as: String.self)
    invoice.sourceType = try row.decode("source_type", as: String.self)
    invoice.sourceID = try row.decode("source_id", as: String.self)
    invoice.issuedAt.seconds = try row.decode("issued_at", as: Int64.self)
    invoice.zatcaQr = try row.decode("zatca_qr", as: String.self)
    invoice.paymentTermsCode = try row.decode("payment_terms", as: String.self)
    let issued = try row.decode("issue_date", as: CalendarDate.self)
    if let discount = PaymentTerms(code: invoice.paymentTermsCode)?.discount(issued: issued) {
      invoice.discountDate = LedgerValues.proto(discount.date)
      invoice.discountBasisPoints = Int32(discount.basisPoints)
    }
    invoice.lines = try results[1].map { line in
      var proto = Erp_Finance_V1_InvoiceLine()
      proto.description_p = try line.decode("description", as: String.self)
      proto.quantityMilli = try line.decode("quantity_milli", as: Int64.self)
      proto.unitPriceMinor = try line.decode("unit_price_minor", as: Int64.self)
      proto.taxCode = try line.decode("tax_code", as: String.self)
      proto.accountCode = try line.decode("code", as: String.self)
      proto.netMinor = try line.decode("net_minor", as: Int64.self)
      proto.taxMinor = try line.decode("tax_minor", as: Int64.self)
      return proto
    }
    return invoice
  }

  static func status(
    isCreditNote: Bool,
    total: Int64,
    paid: Int64,
    credited: Int64
  )
    -> Erp_Finance_V1_InvoiceStatus
  {
    if isCreditNote { return .credited }
    if paid + credited >= total { return credited >= total ? .credited : .paid }
    return paid + credited > 0 ? .partlyPaid : .open
  }
}

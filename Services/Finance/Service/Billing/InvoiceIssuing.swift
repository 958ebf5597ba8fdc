import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// Issuing invoices, supplier bills and credit notes: lines priced by the rounding rule, the
/// document and its journal entry written in one transaction, idempotent by request id.
///
/// Postings: a customer invoice debits receivables with the total and credits each line's
/// revenue account with its net and VAT payable with its tax; a supplier bill debits each line's
/// expense or inventory account and VAT receivable and credits payables. A credit note posts the
/// mirror image of its lines and is allocated against the invoice it credits.
enum InvoiceIssuing {
  /// A line priced and ready to post.
  struct PricedLine {
    var request: Erp_Finance_V1_InvoiceLine
    var accountCode: String
    var net: Int64
    var tax: Int64
  }

  static func issue(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_IssueInvoiceRequest
  )
    async throws -> Erp_Finance_V1_Invoice
  {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    let direction = try BillingValues.direction(request.direction)
    let partyID = try BillingValues.partyID(request.partyID)
    let partyName = try LedgerValues.text(
      request.partyName,
      field: "party_name",
      maxLength: 200,
      required: false
    )
    let currency = try LedgerValues.currency(request.currencyCode, field: "currency_code")
    let issueDate = try LedgerValues.date(request.issueDate, field: "issue_date")
    let dueDate =
      request.hasDueDate ? try LedgerValues.date(request.dueDate, field: "due_date") : issueDate
    guard dueDate >= issueDate else {
      throw LedgerValues.invalid("due_date", "must not be before issue_date")
    }
    let issuedAt =
      request.hasIssuedAt
      ? Date(timeIntervalSince1970: TimeInterval(request.issuedAt.seconds))
      : Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
    let key = try RequestKey("finance.invoice", request, id: \.requestID)
    let hash = key.fingerprint
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "invoice_request_id_key",
      existing: { try await InvoiceReading.byRequestID($0, requestID) },
      create: { session in
        let lines = try await Self.price(
          session,
          request.lines,
          direction: direction,
          defaultRole: direction == "receivable" ? "sales_revenue" : nil
        )
        // No due date given: the party's payment terms (or the tenant default) decide it.
        let terms =
          request.hasDueDate
          ? nil : try await PartyTermsStore.terms(session, direction: direction, party: partyID)
        let document = Document(
          requestID: requestID,
          hash: hash,
          direction: direction,
          isCreditNote: false,
          creditsInvoiceID: nil,
          partyID: partyID,
          partyName: partyName,
          currency: currency,
          issueDate: issueDate,
          dueDate: terms?.dueDate(issued: issueDate) ?? dueDate,
          sourceType: request.sourceType,
          sourceID: request.sourceID,
          reason: "",
          issuedAt: issuedAt
        )
        let id = try await Self.record(session, document, lines)
        if let terms {
          try await session.query(
            "UPDATE invoice SET payment_terms = $2 WHERE id = $1",
            [id, terms.description]
          )
        }
        let invoice = try await InvoiceReading.byID(session, id)
        // Customer invoices only: a supplier bill is not an invoice the tenant issued.
        if direction == "receivable" {
          try await PartnerEvents.queue(
            session,
            .invoiceIssued,
            key: "invoice:\(invoice.number)",
            data: invoice
          )
        }
        return invoice
      }
    )
  }

  static func creditNote(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_IssueCreditNoteRequest
  ) async throws -> Erp_Finance_V1_Invoice {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    let issueDate = try LedgerValues.date(request.issueDate, field: "issue_date")
    let reason = try LedgerValues.text(
      request.reason,
      field: "reason",
      maxLength: 500,
      required: false
    )
    let key = try RequestKey("finance.credit_note", request, id: \.requestID)
    let hash = key.fingerprint
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "invoice_request_id_key",
      existing: { try await InvoiceReading.byRequestID($0, requestID) },
      create: { session in
        let rows = try await session.query(
          """
          SELECT id, direction, party_id, party_name, currency, total_minor, is_credit_note,
            (SELECT coalesce(sum(c.total_minor), 0) FROM invoice c WHERE c.credits_invoice_id = i.id)
              AS credited,
            (SELECT coalesce(sum(a.amount_minor), 0) FROM allocation a WHERE a.invoice_id = i.id)
              AS allocated
          FROM invoice i WHERE number = $1 FOR UPDATE
          """,
          [request.invoiceNumber]
        )
        guard let original = rows.first else {
          throw RPCError(
            code: .notFound,
            message: "invoice_number: no invoice \(quoted(request.invoiceNumber))"
          )
        }
        guard try original.decode("is_credit_note", as: Bool.self) == false else {
          throw LedgerValues.invalid(
            "invoice_number",
            "\(request.invoiceNumber) is itself a credit note"
          )
        }
        let direction = try original.decode("direction", as: String.self)
        let currency = Currency(code: try original.decode("currency", as: String.self))!
        let lines = try await Self.price(
          session,
          request.lines,
          direction: direction,
          defaultRole: direction == "receivable" ? "sales_revenue" : nil
        )
        let total = lines.reduce(Int64(0)) { $0 + $1.net + $1.tax }
        let remaining =
          try original.decode("total_minor", as: Int64.self)
          - original.decode("credited", as: Int64.self)
        guard total <= remaining else {
          throw RPCError(
            code: .failedPrecondition,
            message:
              "lines: the credit note (\(LedgerValues.display(total, currency))) exceeds what "
              + "is left to credit on \(request.invoiceNumber) (\(LedgerValues.display(remaining, currency)))"
          )
        }
        let invoiceID = try original.decode("id", as: Int64.self)
        let document = Document(
          requestID: requestID,
          hash: hash,
          direction: direction,
          isCreditNote: true,
          creditsInvoiceID: invoiceID,
          partyID: try original.decode("party_id", as: String.self),
          partyName: try original.decode("party_name", as: String.self),
          currency: currency,
          issueDate: issueDate,
          dueDate: issueDate,
          sourceType: "credit_note",
          sourceID: request.invoiceNumber,
          reason: reason
        )
        let id = try await Self.record(session, document, lines)
        // What the credit note can settle on the invoice is allocated to it; the rest stays on
        // the party's account, like an over-payment.
        let outstanding =
          try original.decode("total_minor", as: Int64.self)
          - original.decode("allocated", as: Int64.self)
        let applied = min(total, outstanding)
        if applied > 0 {
          try await Settlement.allocate(
            session,
            invoiceID: invoiceID,
            by: .creditNote(id),
            amount: applied,
            allocatedOn: issueDate
          )
        }
        return try await InvoiceReading.byID(session, id)
      }
    )
  }

  /// Prices each line and checks its fields (quantity positive, price not negative, tax code
  /// known, account given for a bill).
  static func price(
    _ session: PostgresSession,
    _ lines: [Erp_Finance_V1_InvoiceLine],
    direction: String,
    defaultRole: String?
  ) async throws -> [PricedLine] {
    guard !lines.isEmpty else { throw LedgerValues.invalid("lines", "at least one line") }
    guard lines.count <= 500 else { throw LedgerValues.invalid("lines", "at most 500 lines") }
    for (index, line) in lines.enumerated() {
      let field = "lines[\(index)]"
      _ = try LedgerValues.text(
        line.description_p,
        field: field + ".description",
        maxLength: 500,
        required: true
      )
      guard line.quantityMilli > 0 else {
        throw LedgerValues.invalid(
          field + ".quantity_milli",
          "must be positive (\(line.quantityMilli))"
        )
      }
      guard line.unitPriceMinor >= 0 else {
        throw LedgerValues.invalid(
          field + ".unit_price_minor",
          "must not be negative (\(line.unitPriceMinor))"
        )
      }
      guard !line.taxCode.isEmpty else {
        throw LedgerValues.invalid(field + ".tax_code", "required")
      }
      _ = try LedgerValues.text(
        line.accountRole,
        field: field + ".account_role",
        maxLength: 50,
        required: false
      )
      if line.accountCode.isEmpty && line.accountRole.isEmpty && defaultRole == nil {
        throw LedgerValues.invalid(field + ".account_code", "required on a supplier bill")
      }
    }
    let rates = try await TaxCodes.rates(
      session,
      lines.enumerated().map { (field: "lines[\($0.offset)].tax_code", code: $0.element.taxCode) }
    )
    let defaultAccount = try await defaultRole.asyncMap {
      try await BillingValues.roleAccount(session, $0)
    }
    // Roles are resolved here, in the transaction that issues the invoice.
    var byRole: [String: String] = [:]
    for role in Set(lines.map(\.accountRole)) where !role.isEmpty {
      byRole[role] = try await BillingValues.roleAccount(session, role)
    }
    var priced: [PricedLine] = []
    for (index, line) in lines.enumerated() {
      let (net, tax) = try BillingValues.lineAmounts(
        quantityMilli: line.quantityMilli,
        unitPriceMinor: line.unitPriceMinor,
        basisPoints: rates[line.taxCode]!,
        field: "lines[\(index)]"
      )
      priced.append(
        PricedLine(
          request: line,
          accountCode: byRole[line.accountRole]
            ?? (line.accountCode.isEmpty ? defaultAccount! : line.accountCode),
          net: net,
          tax: tax
        )
      )
    }
    guard priced.contains(where: { $0.net + $0.tax > 0 }) else {
      throw LedgerValues.invalid("lines", "the total is zero")
    }
    return priced
  }

  struct Document {
    var requestID: String
    var hash: String
    var direction: String
    var isCreditNote: Bool
    var creditsInvoiceID: Int64?
    var partyID: String
    var partyName: String
    var currency: Currency
    var issueDate: CalendarDate
    var dueDate: CalendarDate
    var sourceType: String
    var sourceID: String
    var reason: String
    /// Date and time of issue, whole seconds (the ZATCA QR code's time stamp).
    var issuedAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
  }

  /// Posts the document's journal entry, then records the document and its lines with the base
  /// amounts the entry used. Returns the invoice id.
  static func record(
    _ session: PostgresSession,
    _ document: Document,
    _ lines: [PricedLine]
  )
    async throws -> Int64
  {
    let receivable = document.direction == "receivable"
    let controlRole = receivable ? "accounts_receivable" : "accounts_payable"
    let taxRole = receivable ? "vat_payable" : "vat_receivable"
    let control = try await BillingValues.roleAccount(session, controlRole)
    let taxAccount = try await BillingValues.roleAccount(session, taxRole)
    // The sign of a control-account line: receivables are debited by invoices, payables credited;
    // credit notes the other way round.
    let controlSign: Int64 = (receivable ? 1 : -1) * (document.isCreditNote ? -1 : 1)
    let subtotal = lines.reduce(Int64(0)) { $0 + $1.net }
    let tax = lines.reduce(Int64(0)) { $0 + $1.tax }
    let total = subtotal + tax

    var journal: [EntryPosting.RequestedLine] = [
      .init(
        index: 0,
        accountCode: control,
        currency: document.currency,
        amountMinor: controlSign * total,
        memo: ""
      )
    ]
    var positions: [(net: Int?, tax: Int?)] = []
    for (index, line) in lines.enumerated() {
      var position: (net: Int?, tax: Int?) = (nil, nil)
      if line.net > 0 {
        position.net = journal.count
        journal.append(
          .init(
            index: index,
            accountCode: line.accountCode,
            currency: document.currency,
            amountMinor: -controlSign * line.net,
            memo: line.request.description_p
          )
        )
      }
      if line.tax > 0 {
        position.tax = journal.count
        journal.append(
          .init(
            index: index,
            accountCode: taxAccount,
            currency: document.currency,
            amountMinor: -controlSign * line.tax,
            memo: "VAT \(line.request.taxCode)"
          )
        )
      }
      positions.append(position)
    }
    let prefix: String
    switch (receivable, document.isCreditNote) {
    case (true, false): prefix = "INV"
    case (true, true): prefix = "CN"
    case (false, false): prefix = "BILL"
    case (false, true): prefix = "SCN"
    }
    let numbered = try await session.query(
      "SELECT $1 || '-' || lpad(nextval('document_number')::text, 6, '0') AS number",
      [prefix]
    )
    let number = try numbered[0].decode("number", as: String.self)
    let qrCode =
      receivable
      ? try await BillingSettingsStore.qrCode(
        session,
        issuedAt: document.issuedAt,
        total: total,
        vat: tax,
        currency: document.currency
      ) : ""
    let entry = try await EntryPosting.record(
      session,
      .init(
        requestID: "document:" + document.requestID,
        contentHash: document.hash,
        date: document.issueDate,
        memo: "\(number) \(document.partyName)",
        sourceType: "invoice",
        sourceID: number
      ),
      journal
    )
    func base(_ position: Int?) -> Int64 {
      guard let position else { return 0 }
      let line = entry.lines[position]
      return (line.baseDebit.unitsMinor + line.baseCredit.unitsMinor)
    }
    let inserted = try await session.query(
      """
      INSERT INTO invoice (number, request_id, content_hash, direction, is_credit_note,
        credits_invoice_id, party_id, party_name, currency, issue_date, due_date, subtotal_minor,
        tax_minor, total_minor, entry_id, source_type, source_id, reason, issued_at, zatca_qr)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, e.id, $16, $17, $18,
        to_timestamp($19), $20
      FROM journal_entry e WHERE e.number = $15
      RETURNING id
      """,
      [
        number, document.requestID, document.hash, document.direction, document.isCreditNote,
        document.creditsInvoiceID, document.partyID, document.partyName, document.currency.code,
        document.issueDate, document.dueDate, subtotal, tax, total, entry.number,
        document.sourceType, document.sourceID, document.reason,
        Int64(document.issuedAt.timeIntervalSince1970), qrCode,
      ]
    )
    let id = try inserted[0].decode("id", as: Int64.self)
    var statements: [PostgresStatement] = []
    for (index, line) in lines.enumerated() {
      statements.append(
        PostgresStatement(
          """
          INSERT INTO invoice_line (invoice_id, line_no, description, quantity_milli,
            unit_price_minor, tax_code, account_id, net_minor, tax_minor, net_base_minor,
            tax_base_minor)
          SELECT $1, $2, $3, $4, $5, $6, a.id, $8, $9, $10, $11 FROM account a WHERE a.code = $7
          """,
          [
            id, index + 1, line.request.description_p, line.request.quantityMilli,
            line.request.unitPriceMinor, line.request.taxCode, line.accountCode, line.net, line.tax,
            base(positions[index].net), base(positions[index].tax),
          ]
        )
      )
    }
    try await session.pipeline(statements)
    return id
  }
}

extension Optional {
  func asyncMap<U>(_ transform: (Wrapped) async throws -> U) async rethrows -> U? {
    guard let value = self else { return nil }
    return try await transform(value)
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Realised exchange differences. A document in a foreign currency is carried in base currency
/// at the rate of its own date (its entry's first line). Settling part of an invoice with a
/// payment or a credit note (an allocation), or refunding part of a payment, releases a share of
/// each document's base amount; when the two rates differ the shares differ, and what that
/// leaves on the control account is moved to FX gain or FX loss in the same transaction.
///
/// Rounding: a share is amount × base ÷ total, rounded half up on magnitudes (half away from
/// zero, the rule of invoice lines and of rate conversion), except that the settlement that
/// completes a document releases exactly what is left of its base. A document's shares therefore
/// always sum to its base amount, and a settled document leaves nothing on its control account.
enum Settlement {
  /// One side of a settlement: its amount in its currency, its base amount, and how much of
  /// each earlier settlements took.
  struct Side {
    var number: String
    var date: CalendarDate
    var total: Int64
    var base: Int64
    var settled: Int64
    var released: Int64

    /// The base this side releases when `amount` more of it is settled.
    func share(_ amount: Int64) -> Int64 {
      self.settled + amount == self.total
        ? self.base - self.released : Proportion.of(self.base, amount, over: self.total)
    }
  }

  /// What settles an invoice.
  enum Settler {
    case payment(Int64)
    case creditNote(Int64)
  }

  /// Records an allocation of `amount` of an invoice to a payment or credit note (both already
  /// locked by the caller), with the base each side releases, and posts the difference dated
  /// the later of the two documents. The caller has checked the amounts and currencies.
  static func allocate(
    _ session: PostgresSession,
    invoiceID: Int64,
    by settler: Settler,
    amount: Int64,
    allocatedOn: CalendarDate
  ) async throws {
    let invoice = try await Self.invoiceSide(session, invoiceID)
    let settling: Side
    let paymentID: Int64?
    let creditNoteID: Int64?
    switch settler {
    case .payment(let id):
      settling = try await Self.paymentSide(session, id)
      (paymentID, creditNoteID) = (id, nil)
    case .creditNote(let id):
      settling = try await Self.creditNoteSide(session, id)
      (paymentID, creditNoteID) = (nil, id)
    }
    let invoiceShare = invoice.side.share(amount)
    let settledShare = settling.share(amount)
    // What the two shares leave on the control account, debit positive: receivables were
    // debited by the invoice and credited by the settlement, payables the other way round.
    let residual =
      invoice.receivable ? invoiceShare - settledShare : settledShare - invoiceShare
    let realisedOn = max(invoice.side.date, settling.date)
    let id = try await session.query(
      """
      INSERT INTO allocation (invoice_id, payment_id, credit_note_id, amount_minor, allocated_on,
        invoice_base_minor, settled_base_minor, realised_on, exchange_difference_minor)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      RETURNING id
      """,
      [
        invoiceID, paymentID, creditNoteID, amount, allocatedOn, invoiceShare, settledShare,
        realisedOn, -residual,
      ]
    )[0].decode("id", as: Int64.self)
    try await Self.realise(
      session,
      residual,
      Posting(
        table: "allocation",
        rowID: id,
        receivable: invoice.receivable,
        currency: invoice.currency,
        date: realisedOn,
        memo: "exchange difference \(invoice.side.number) / \(settling.number)",
        source: invoice.side.number
      )
    )
  }

  /// The base share of a payment that refunding `amount` of it releases (payment locked).
  static func refundShare(
    _ session: PostgresSession,
    paymentID: Int64,
    amount: Int64
  ) async throws -> Int64 {
    try await Self.paymentSide(session, paymentID).share(amount)
  }

  /// Where a difference is posted from and recorded on.
  struct Posting {
    /// `allocation` or `refund`: the row that records the difference and its entry.
    var table: String
    var rowID: Int64
    var receivable: Bool
    var currency: Currency
    var date: CalendarDate
    var memo: String
    var source: String
  }

  /// Posts `residual` (what is left on the control account, debit positive) away from the
  /// control account: a line of −residual in base against FX loss (a debit) or FX gain (a
  /// credit), both in the document's currency with no amount in it, as the ledger's rounding
  /// lines are, so the entry balances in that currency and in base. Nothing when zero.
  static func realise(
    _ session: PostgresSession,
    _ residual: Int64,
    _ posting: Posting
  ) async throws {
    guard residual != 0 else { return }
    let requestID = "fx:\(posting.table):\(posting.rowID)"
    let entry = try await EntryPosting.record(
      session,
      .init(
        requestID: requestID,
        contentHash: requestID,
        date: posting.date,
        memo: posting.memo,
        sourceType: "exchange_difference",
        sourceID: posting.source
      ),
      [
        .init(
          index: 0,
          accountCode: "",
          currency: posting.currency,
          amountMinor: 0,
          memo: posting.memo,
          accountRole: posting.receivable ? "accounts_receivable" : "accounts_payable",
          baseAmountMinor: -residual
        ),
        .init(
          index: 1,
          accountCode: "",
          currency: posting.currency,
          amountMinor: 0,
          memo: posting.memo,
          accountRole: residual > 0 ? "fx_loss" : "fx_gain",
          baseAmountMinor: residual
        ),
      ]
    )
    let table = posting.table == "refund" ? "refund" : "allocation"
    try await session.query(
      "UPDATE \(table) SET exchange_entry_id = e.id FROM journal_entry e "
        + "WHERE \(table).id = $1 AND e.number = $2",
      [posting.rowID, entry.number]
    )
  }

  static func invoiceSide(
    _ session: PostgresSession,
    _ id: Int64
  ) async throws -> (side: Side, receivable: Bool, currency: Currency) {
    let row = try await session.query(
      """
      SELECT i.number, i.direction, i.currency, i.issue_date AS date, i.total_minor AS total,
        document_base_minor(i.entry_id) AS base,
        (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE invoice_id = i.id) AS settled,
        (SELECT coalesce(sum(invoice_base_minor), 0) FROM allocation WHERE invoice_id = i.id)
          AS released
      FROM invoice i WHERE i.id = $1
      """,
      [id]
    )[0]
    return (
      try Self.side(row), try row.decode("direction", as: String.self) == "receivable",
      Currency(code: try row.decode("currency", as: String.self))!
    )
  }

  static func paymentSide(_ session: PostgresSession, _ id: Int64) async throws -> Side {
    try Self.side(
      try await session.query(
        """
        SELECT p.number, p.payment_date AS date, p.amount_minor AS total,
          document_base_minor(p.entry_id) AS base,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE payment_id = p.id)
          + (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE payment_id = p.id) AS settled,
          (SELECT coalesce(sum(settled_base_minor), 0) FROM allocation WHERE payment_id = p.id)
          + (SELECT coalesce(sum(settled_base_minor), 0) FROM refund WHERE payment_id = p.id)
            AS released
        FROM payment p WHERE p.id = $1
        """,
        [id]
      )[0]
    )
  }

  static func creditNoteSide(_ session: PostgresSession, _ id: Int64) async throws -> Side {
    try Self.side(
      try await session.query(
        """
        SELECT c.number, c.issue_date AS date, c.total_minor AS total,
          document_base_minor(c.entry_id) AS base,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE credit_note_id = c.id)
            AS settled,
          (SELECT coalesce(sum(settled_base_minor), 0) FROM allocation WHERE credit_note_id = c.id)
            AS released
        FROM invoice c WHERE c.id = $1
        """,
        [id]
      )[0]
    )
  }

  static func side(_ row: PostgresRow) throws -> Side {
    Side(
      number: try row.decode("number", as: String.self),
      date: try row.decode("date", as: CalendarDate.self),
      total: try row.decode("total", as: Int64.self),
      base: try row.decode("base", as: Int64.self),
      settled: try row.decode("settled", as: Int64.self),
      released: try row.decode("released", as: Int64.self)
    )
  }
}

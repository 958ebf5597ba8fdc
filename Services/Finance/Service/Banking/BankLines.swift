import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore

/// Reading both sides of a bank account: its statement lines and its book items (the journal
/// lines on its ledger account in its currency), with whether each is in a live match.
enum BankLines {
  struct BookRow: Sendable {
    var entryID: Int64
    var item: Erp_Finance_V1_BookItem
    var date: CalendarDate
    var amount: Int64
    var texts: [String]
  }

  struct StatementRow: Sendable {
    var id: Int64
    var line: Erp_Finance_V1_BankStatementLine
    var date: CalendarDate
    var amount: Int64
  }

  static func statementLines(
    _ session: PostgresSession,
    _ bank: BankAccounts.Row,
    unmatchedOnly: Bool,
    asOf: CalendarDate? = nil
  ) async throws -> [StatementRow] {
    try await session.query(
      """
      SELECT l.id, l.booking_date, l.amount_minor, l.reference, l.description, s.statement_id,
        (SELECT m.match_id FROM bank_match_part m WHERE m.statement_line_id = l.id AND m.active)
          AS match_id
      FROM bank_statement_line l JOIN bank_statement s ON s.id = l.statement_id
      WHERE l.bank_account_id = $1 AND ($2::date IS NULL OR l.booking_date <= $2)
      ORDER BY l.booking_date, l.id
      """,
      [bank.id, asOf]
    ).compactMap { row in
      let match = try row.decodeIfPresent("match_id", as: Int64.self)
      if unmatchedOnly && match != nil { return nil }
      let date = try row.decode("booking_date", as: CalendarDate.self)
      let amount = try row.decode("amount_minor", as: Int64.self)
      var line = Erp_Finance_V1_BankStatementLine()
      let id = try row.decode("id", as: Int64.self)
      line.id = String(id)
      line.bookingDate = date.proto
      line.amount = Erp_Common_V1_Money(amount, bank.currency.code)
      line.reference = try row.decode("reference", as: String.self)
      line.description_p = try row.decode("description", as: String.self)
      line.matchID = match.map { String($0) } ?? ""
      line.statementID = try row.decode("statement_id", as: String.self)
      return StatementRow(id: id, line: line, date: date, amount: amount)
    }
  }

  static func bookItems(
    _ session: PostgresSession,
    _ bank: BankAccounts.Row,
    unmatchedOnly: Bool,
    asOf: CalendarDate? = nil
  ) async throws -> [BookRow] {
    try await session.query(
      """
      SELECT e.id AS entry_id, e.number, l.line_no, l.entry_date, l.amount_minor, e.memo,
        l.memo AS line_memo, e.source_id, coalesce(p.number, '') AS payment,
        coalesce(p.reference, '') AS payment_reference,
        (SELECT m.match_id FROM bank_match_part m
          WHERE m.entry_id = l.entry_id AND m.line_no = l.line_no AND m.active) AS match_id
      FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
      LEFT JOIN payment p ON p.entry_id = e.id
      WHERE l.account_id = $1 AND l.currency = $2 AND l.amount_minor <> 0
        AND ($3::date IS NULL OR l.entry_date <= $3)
      ORDER BY l.entry_date, e.id, l.line_no
      """,
      [bank.accountID, bank.currency.code, asOf]
    ).compactMap { row in
      let match = try row.decodeIfPresent("match_id", as: Int64.self)
      if unmatchedOnly && match != nil { return nil }
      let date = try row.decode("entry_date", as: CalendarDate.self)
      let amount = try row.decode("amount_minor", as: Int64.self)
      let texts = try ["number", "memo", "line_memo", "source_id", "payment", "payment_reference"]
        .map { try row.decode($0, as: String.self) }
      var item = Erp_Finance_V1_BookItem()
      item.entryNumber = texts[0]
      item.lineNo = Int32(try row.decode("line_no", as: Int.self))
      item.date = date.proto
      item.amount = Erp_Common_V1_Money(amount, bank.currency.code)
      item.memo = texts.dropFirst().filter { !$0.isEmpty }.joined(separator: " · ")
      item.matchID = match.map { String($0) } ?? ""
      return BookRow(
        entryID: try row.decode("entry_id", as: Int64.self),
        item: item,
        date: date,
        amount: amount,
        texts: texts
      )
    }
  }
}

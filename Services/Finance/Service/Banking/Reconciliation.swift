import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore

/// The reconciliation report of a bank account at a date. An item counts as reconciled at the
/// date only when it is in a live match whose every line, on both sides, is dated on or before
/// it: since both sides of a match add up to the same amount, the matched parts of the book and
/// of the statement are then equal, and book balance + unreconciled statement items -
/// unreconciled book items = statement balance holds by construction, whatever has been
/// matched. `difference` is that sum computed from the figures, so a client can check it.
enum Reconciliation {
  static func report(
    _ session: PostgresSession,
    _ request: Erp_Finance_V1_ReconciliationReportRequest
  ) async throws -> Erp_Finance_V1_ReconciliationReport {
    let code = try Matching.accountCode(request.accountCode)
    let asOf: CalendarDate? =
      request.hasAsOf ? try CalendarDate(request.asOf, field: "as_of") : nil
    let bank = try await BankAccounts.row(session, code: code)
    // The live matches complete by the date.
    let complete = Set(
      try await session.query(
        """
        SELECT p.match_id FROM bank_match_part p
        LEFT JOIN bank_statement_line s ON s.id = p.statement_line_id
        LEFT JOIN journal_line j ON j.entry_id = p.entry_id AND j.line_no = p.line_no
        WHERE p.active GROUP BY p.match_id
        HAVING $1::date IS NULL OR max(coalesce(s.booking_date, j.entry_date)) <= $1
        """,
        [asOf]
      ).map { String(try $0.decode("match_id", as: Int64.self)) }
    )
    let lines = try await BankLines.statementLines(session, bank, unmatchedOnly: false, asOf: asOf)
    let items = try await BankLines.bookItems(session, bank, unmatchedOnly: false, asOf: asOf)
    let currency = bank.currency.code
    var report = Erp_Finance_V1_ReconciliationReport()
    report.accountCode = code
    let statementBalance = lines.reduce(Int64(0)) { $0 + $1.amount }
    let bookBalance = items.reduce(Int64(0)) { $0 + $1.amount }
    let openLines = lines.filter { !complete.contains($0.line.matchID) }
    let openItems = items.filter { !complete.contains($0.item.matchID) }
    let openStatement = openLines.reduce(Int64(0)) { $0 + $1.amount }
    let openBook = openItems.reduce(Int64(0)) { $0 + $1.amount }
    report.statementBalance = Erp_Common_V1_Money(statementBalance, currency)
    report.bookBalance = Erp_Common_V1_Money(bookBalance, currency)
    report.unreconciledStatementLines = openLines.map(\.line)
    report.unreconciledBookItems = openItems.map(\.item)
    report.unreconciledStatementTotal = Erp_Common_V1_Money(openStatement, currency)
    report.unreconciledBookTotal = Erp_Common_V1_Money(openBook, currency)
    report.difference = Erp_Common_V1_Money(
      bookBalance + openStatement - openBook - statementBalance,
      currency
    )
    return report
  }
}

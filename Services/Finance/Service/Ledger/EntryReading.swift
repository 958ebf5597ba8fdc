import ERPProtos
import ERPStore
import GRPCCore

/// Reads posted entries back as the API shows them.
enum EntryReading {
  struct Found {
    var id: Int64
    var hash: String
    var entry: Erp_Finance_V1_JournalEntry
    /// The lines as stored, for a reversal to mirror.
    var lines: [EntryPosting.ResolvedLine]
    var baseCurrency: String
  }

  static func byRequestID(_ session: PostgresSession, _ requestID: String) async throws -> Found? {
    try await self.find(session, where: "e.request_id = $1", requestID)
  }

  static func byNumber(_ session: PostgresSession, _ number: String) async throws -> Found {
    guard let found = try await self.find(session, where: "e.number = $1", number) else {
      throw RPCError(code: .notFound, message: "number: no journal entry \(quoted(number))")
    }
    return found
  }

  static func find(
    _ session: PostgresSession,
    where condition: String,
    _ value: String
  )
    async throws -> Found?
  {
    let headers = try await session.query(
      """
      SELECT e.id, e.number, e.request_id, e.content_hash, e.entry_date, e.memo, e.source_type,
        e.source_id, coalesce(r.number, '') AS reverses, coalesce(b.number, '') AS reversed_by,
        s.base_currency
      FROM journal_entry e
      LEFT JOIN journal_entry r ON r.id = e.reverses_id
      LEFT JOIN journal_entry b ON b.reverses_id = e.id
      CROSS JOIN ledger_settings s
      WHERE \(condition)
      """,
      [value]
    )
    guard let header = headers.first else { return nil }
    let id = try header.decode("id", as: Int64.self)
    let base = try header.decode("base_currency", as: String.self)
    let lines = try await session.query(
      """
      SELECT l.account_id, a.code, l.currency, l.amount_minor, l.base_amount_minor,
        l.rate::text AS rate, l.is_rounding, l.memo, l.is_exchange_difference
      FROM journal_line l JOIN account a ON a.id = l.account_id
      WHERE l.entry_id = $1 ORDER BY l.line_no
      """,
      [id]
    )
    var entry = Erp_Finance_V1_JournalEntry()
    entry.number = try header.decode("number", as: String.self)
    entry.requestID = try header.decode("request_id", as: String.self)
    entry.date = LedgerValues.proto(try header.decode("entry_date", as: CalendarDate.self))
    entry.memo = try header.decode("memo", as: String.self)
    entry.sourceType = try header.decode("source_type", as: String.self)
    entry.sourceID = try header.decode("source_id", as: String.self)
    entry.reverses = try header.decode("reverses", as: String.self)
    entry.reversedBy = try header.decode("reversed_by", as: String.self)
    let resolved = try Self.resolved(lines)
    entry.lines = resolved.map { EntryPosting.protoLine($0, base: base) }
    return Found(
      id: id,
      hash: try header.decode("content_hash", as: String.self),
      entry: entry,
      lines: resolved,
      baseCurrency: base
    )
  }

  static func resolved(_ rows: [PostgresRow]) throws -> [EntryPosting.ResolvedLine] {
    try rows.map { row in
      EntryPosting.ResolvedLine(
        accountID: try row.decode("account_id", as: Int64.self),
        accountCode: try row.decode("code", as: String.self),
        currency: try row.decode("currency", as: String.self),
        amountMinor: try row.decode("amount_minor", as: Int64.self),
        baseAmountMinor: try row.decode("base_amount_minor", as: Int64.self),
        rate: try row.decode("rate", as: String.self),
        isRounding: try row.decode("is_rounding", as: Bool.self),
        memo: try row.decode("memo", as: String.self),
        isExchangeDifference: try row.decode("is_exchange_difference", as: Bool.self)
      )
    }
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Matching statement lines with book items: automatically (``AutoMatching``), by hand (one to
/// one, or a split of one to several either way), undoing a match, and posting an entry for an
/// unmatched line. Every call locks the bank account first, so two calls never match the same
/// free line; the database's partial unique indexes and balance trigger are the last line.
enum Matching {
  static func auto(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_AutoMatchRequest
  ) async throws -> Erp_Finance_V1_AutoMatchResponse {
    let code = try Self.accountCode(request.accountCode)
    guard (0...60).contains(request.dateWindowDays) else {
      throw LedgerValues.invalid("date_window_days", "0 to 60 days")
    }
    guard (0...100).contains(request.minConfidence) else {
      throw LedgerValues.invalid("min_confidence", "0 to 100")
    }
    let window = request.dateWindowDays == 0 ? 3 : Int(request.dateWindowDays)
    let minimum = request.minConfidence == 0 ? 50 : Int(request.minConfidence)
    let key = try RequestKey("finance.bank_auto_match", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let bank = try await BankAccounts.row(session, code: code, lock: true)
      let lines = try await BankLines.statementLines(session, bank, unmatchedOnly: true)
      let items = try await BankLines.bookItems(session, bank, unmatchedOnly: true)
      let proposals = AutoMatching.propose(
        statement: lines.map {
          .init(
            day: StatementValues.dayNumber($0.date),
            amount: $0.amount,
            tokens: AutoMatching.tokens([$0.line.reference, $0.line.description_p])
          )
        },
        book: items.map {
          .init(
            day: StatementValues.dayNumber($0.date),
            amount: $0.amount,
            tokens: AutoMatching.tokens($0.texts)
          )
        },
        window: window,
        minimum: minimum,
        currency: bank.currency
      )
      var response = Erp_Finance_V1_AutoMatchResponse()
      for proposal in proposals {
        let id = try await Self.insert(
          session,
          bank,
          kind: "auto",
          confidence: proposal.confidence,
          reason: proposal.reason,
          statement: [lines[proposal.statement]],
          book: [items[proposal.book]]
        )
        response.matches.append(try await Self.byID(session, id, code: code))
      }
      return response
    }
  }

  static func manual(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_MatchRequest
  ) async throws -> Erp_Finance_V1_BankMatch {
    let code = try Self.accountCode(request.accountCode)
    let lineIDs = try Self.lineIDs(request.statementLineIds, field: "statement_line_ids")
    guard (1...500).contains(request.bookLines.count) else {
      throw LedgerValues.invalid("book_lines", "1 to 500 book lines")
    }
    let key = try RequestKey("finance.bank_match", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let bank = try await BankAccounts.row(session, code: code, lock: true)
      let free = try await BankLines.statementLines(session, bank, unmatchedOnly: false)
      var lines: [BankLines.StatementRow] = []
      for (index, id) in lineIDs.enumerated() {
        guard let line = free.first(where: { $0.id == id }) else {
          throw RPCError(
            code: .notFound,
            message: "statement_line_ids[\(index)]: no statement line \(id) on \(code)"
          )
        }
        guard line.line.matchID.isEmpty else {
          throw RPCError(
            code: .failedPrecondition,
            message: "statement_line_ids[\(index)]: line \(id) is in match \(line.line.matchID)"
          )
        }
        lines.append(line)
      }
      let allItems = try await BankLines.bookItems(session, bank, unmatchedOnly: false)
      var items: [BankLines.BookRow] = []
      for (index, ref) in request.bookLines.enumerated() {
        guard
          let item = allItems.first(where: {
            $0.item.entryNumber == ref.entryNumber && $0.item.lineNo == ref.lineNo
          })
        else {
          throw RPCError(
            code: .notFound,
            message: "book_lines[\(index)]: no line \(ref.lineNo) of \(quoted(ref.entryNumber)) "
              + "on \(code) in \(bank.currency)"
          )
        }
        guard item.item.matchID.isEmpty else {
          throw RPCError(
            code: .failedPrecondition,
            message: "book_lines[\(index)]: the line is in match \(item.item.matchID)"
          )
        }
        guard !items.contains(where: { $0.item == item.item }) else {
          throw LedgerValues.invalid("book_lines[\(index)]", "named twice")
        }
        items.append(item)
      }
      let statementTotal = lines.reduce(Int64(0)) { $0 + $1.amount }
      let bookTotal = items.reduce(Int64(0)) { $0 + $1.amount }
      guard statementTotal == bookTotal else {
        throw RPCError(
          code: .failedPrecondition,
          message: "the statement lines add up to "
            + "\(LedgerValues.display(statementTotal, bank.currency)), the book lines to "
            + LedgerValues.display(bookTotal, bank.currency)
        )
      }
      let id = try await Self.insert(
        session,
        bank,
        kind: "manual",
        confidence: 100,
        reason: "matched by hand: \(lines.count) statement line(s), \(items.count) book line(s)",
        statement: lines,
        book: items
      )
      return try await Self.byID(session, id, code: code)
    }
  }

  static func unmatch(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_UnmatchRequest
  ) async throws -> Erp_Finance_V1_BankMatch {
    guard let id = Int64(request.matchID), id > 0 else {
      throw LedgerValues.invalid("match_id", "not a match id")
    }
    let key = try RequestKey("finance.bank_unmatch", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let code = try await BankAccounts.owning(
        session,
        "bank_match",
        id,
        field: "match_id",
        what: "match"
      ).code
      try await session.pipeline([
        PostgresStatement(
          "UPDATE bank_match SET unmatched_at = now() WHERE id = $1 AND unmatched_at IS NULL",
          [id]
        ),
        PostgresStatement("UPDATE bank_match_part SET active = false WHERE match_id = $1", [id]),
      ])
      return try await Self.byID(session, id, code: code)
    }
  }

  /// Posts the entry for an unmatched statement line (the bank's ledger account against
  /// `counter_account_code`, on the line's date, in the account's currency) and matches the two
  /// in one transaction.
  static func post(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_PostStatementLineRequest
  ) async throws -> Erp_Finance_V1_BankMatch {
    let lineID = try Self.lineIDs([request.statementLineID], field: "statement_line_id")[0]
    let counter = try LedgerValues.text(
      request.counterAccountCode,
      field: "counter_account_code",
      maxLength: 20,
      required: true
    )
    let memo = try LedgerValues.text(request.memo, field: "memo", maxLength: 500, required: false)
    let key = try RequestKey("finance.bank_post_line", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let bank = try await BankAccounts.owning(
        session,
        "bank_statement_line",
        lineID,
        field: "statement_line_id",
        what: "statement line"
      )
      let code = bank.code
      guard
        let line = try await BankLines.statementLines(session, bank, unmatchedOnly: false)
          .first(where: { $0.id == lineID })
      else { throw RPCError(code: .notFound, message: "statement_line_id: no line \(lineID)") }
      guard line.line.matchID.isEmpty else {
        throw RPCError(
          code: .failedPrecondition,
          message: "statement_line_id: line \(lineID) is in match \(line.line.matchID)"
        )
      }
      guard
        try await !session.query("SELECT 1 FROM account WHERE code = $1", [counter]).isEmpty
      else {
        throw LedgerValues.invalid("counter_account_code", "no account \(quoted(counter))")
      }
      guard counter != code else {
        throw LedgerValues.invalid("counter_account_code", "must not be the bank's own account")
      }
      let text =
        memo.isEmpty
        ? [line.line.reference, line.line.description_p].filter {
          !$0.isEmpty
        }.joined(separator: " ") : memo
      let entry = try await EntryPosting.record(
        session,
        .init(
          requestID: "bank:" + key.requestID,
          contentHash: key.fingerprint,
          date: line.date,
          memo: String(text.prefix(500)),
          sourceType: "bank_statement_line",
          sourceID: String(lineID)
        ),
        [
          .init(
            index: 0,
            accountCode: code,
            currency: bank.currency,
            amountMinor: line.amount,
            memo: String(line.line.reference.prefix(200))
          ),
          .init(
            index: 1,
            accountCode: counter,
            currency: bank.currency,
            amountMinor: -line.amount,
            memo: ""
          ),
        ]
      )
      let item = try await BankLines.bookItems(session, bank, unmatchedOnly: true).first {
        $0.item.entryNumber == entry.number
      }!
      let id = try await Self.insert(
        session,
        bank,
        kind: "posted",
        confidence: 100,
        reason: "entry \(entry.number) posted against \(counter)",
        statement: [line],
        book: [item],
        entryID: item.entryID
      )
      return try await Self.byID(session, id, code: code)
    }
  }

  /// Writes a match and its parts in one round trip.
  static func insert(
    _ session: PostgresSession,
    _ bank: BankAccounts.Row,
    kind: String,
    confidence: Int,
    reason: String,
    statement: [BankLines.StatementRow],
    book: [BankLines.BookRow],
    entryID: Int64? = nil
  ) async throws -> Int64 {
    var statements = [
      PostgresStatement(
        """
        INSERT INTO bank_match (bank_account_id, kind, confidence, reason, entry_id)
        VALUES ($1, $2, $3, $4, $5) RETURNING id
        """,
        [bank.id, kind, confidence, reason, entryID]
      )
    ]
    let current = "currval(pg_get_serial_sequence('bank_match', 'id'))"
    for line in statement {
      statements.append(
        PostgresStatement(
          "INSERT INTO bank_match_part (match_id, statement_line_id, amount_minor) "
            + "VALUES (\(current), $1, $2)",
          [line.id, line.amount]
        )
      )
    }
    for item in book {
      statements.append(
        PostgresStatement(
          "INSERT INTO bank_match_part (match_id, entry_id, line_no, amount_minor) "
            + "VALUES (\(current), $1, $2, $3)",
          [item.entryID, Int(item.item.lineNo), item.amount]
        )
      )
    }
    return try await session.pipeline(statements)[0][0].decode("id", as: Int64.self)
  }

  static func byID(
    _ session: PostgresSession,
    _ id: Int64,
    code: String
  ) async throws -> Erp_Finance_V1_BankMatch {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT m.kind, m.confidence, m.reason, m.unmatched_at IS NOT NULL AS unmatched,
          coalesce(e.number, '') AS entry
        FROM bank_match m LEFT JOIN journal_entry e ON e.id = m.entry_id WHERE m.id = $1
        """,
        [id]
      ),
      PostgresStatement(
        """
        SELECT p.statement_line_id, coalesce(e.number, '') AS entry,
          coalesce(p.line_no, 0) AS line_no
        FROM bank_match_part p LEFT JOIN journal_entry e ON e.id = p.entry_id
        WHERE p.match_id = $1 ORDER BY p.statement_line_id, e.number, p.line_no
        """,
        [id]
      ),
    ])
    let row = results[0][0]
    var match = Erp_Finance_V1_BankMatch()
    match.id = String(id)
    match.accountCode = code
    match.kind = try row.decode("kind", as: String.self)
    match.confidence = Int32(try row.decode("confidence", as: Int.self))
    match.reason = try row.decode("reason", as: String.self)
    match.unmatched = try row.decode("unmatched", as: Bool.self)
    match.journalEntry = try row.decode("entry", as: String.self)
    for part in results[1] {
      if let line = try part.decodeIfPresent("statement_line_id", as: Int64.self) {
        match.statementLineIds.append(String(line))
      } else {
        var ref = Erp_Finance_V1_BookLineRef()
        ref.entryNumber = try part.decode("entry", as: String.self)
        ref.lineNo = Int32(try part.decode("line_no", as: Int.self))
        match.bookLines.append(ref)
      }
    }
    return match
  }

  static func accountCode(_ raw: String) throws -> String {
    try LedgerValues.text(raw, field: "account_code", maxLength: 20, required: true)
  }

  static func lineIDs(_ raw: [String], field: String) throws -> [Int64] {
    guard (1...500).contains(raw.count) else {
      throw LedgerValues.invalid(field, "1 to 500 statement lines")
    }
    var seen = Set<Int64>()
    return try raw.enumerated().map { index, text in
      let name = raw.count == 1 && !field.hasSuffix("s") ? field : "\(field)[\(index)]"
      guard let id = Int64(text), id > 0 else {
        throw LedgerValues.invalid(name, "not a statement line id")
      }
      guard seen.insert(id).inserted else { throw LedgerValues.invalid(name, "named twice") }
      return id
    }
  }
}

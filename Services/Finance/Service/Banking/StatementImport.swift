import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Importing a statement file: parsed (CSV by profile, or camt.053), checked against the bank
/// account, then stored once. The statement's identity (the bank's id or a digest of its
/// lines) and each line's identity are unique per account, so importing the same file again,
/// under any request id, adds nothing; lines of an overlapping statement already imported are
/// skipped. The first statement of an account brings its opening balance in as a line of its
/// own ("OPBD"), to be matched with the books' opening balance, so that the statement balance is
/// always the sum of the account's statement lines.
enum StatementImport {
  static func run(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_ImportStatementRequest
  ) async throws -> Erp_Finance_V1_BankStatement {
    let code = try LedgerValues.text(
      request.accountCode,
      field: "account_code",
      maxLength: 20,
      required: true
    )
    let statementID = try LedgerValues.text(
      request.statementID,
      field: "statement_id",
      maxLength: 100,
      required: false
    )
    guard request.format == .csv || request.format == .camt053 else {
      throw LedgerValues.invalid("format", "CSV or CAMT053 is required")
    }
    guard !request.statementText.isEmpty else {
      throw LedgerValues.invalid("statement_text", "required")
    }
    let key = try RequestKey("finance.bank_statement", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let bank = try await BankAccounts.row(session, code: code, lock: true)
      var parsed: ParsedStatement
      if request.format == .csv {
        parsed = try CSVStatement.parse(
          request.statementText,
          request.csvProfile,
          currency: bank.currency
        )
        parsed.statementID = statementID
      } else {
        parsed = try CamtStatement.parse(request.statementText, currency: bank.currency)
      }
      try Self.check(parsed, bank)
      return try await Self.store(
        session,
        parsed,
        bank,
        format: request.format == .csv ? "csv" : "camt053"
      )
    }
  }

  /// The file must be of this account and currency, have lines, and add up.
  static func check(_ parsed: ParsedStatement, _ bank: BankAccounts.Row) throws {
    if !parsed.iban.isEmpty && parsed.iban.replacingOccurrences(of: " ", with: "") != bank.iban {
      throw LedgerValues.invalid("statement_text", "Acct/Id/IBAN is not the bank account's IBAN")
    }
    if !parsed.currency.isEmpty && parsed.currency != bank.currency.code {
      throw LedgerValues.invalid(
        "statement_text",
        "Acct/Ccy is not the bank account's currency \(bank.currency)"
      )
    }
    guard !parsed.lines.isEmpty else {
      throw LedgerValues.invalid("statement_text", "the statement has no lines")
    }
    guard parsed.lines.count <= 20_000 else {
      throw LedgerValues.invalid("statement_text", "at most 20000 lines per statement")
    }
    for (index, line) in parsed.lines.enumerated() {
      guard line.reference.unicodeScalars.count <= 200,
        line.description.unicodeScalars.count <= 500, line.bankReference.count <= 200
      else {
        throw LedgerValues.invalid(
          "statement_text",
          "entry \(index + 1): references are at most 200 characters, descriptions 500"
        )
      }
    }
    try parsed.checkBalances(currency: bank.currency)
  }

  static func store(
    _ session: PostgresSession,
    _ parsed: ParsedStatement,
    _ bank: BankAccounts.Row,
    format: String
  ) async throws -> Erp_Finance_V1_BankStatement {
    let key = parsed.key
    let existing = try await session.query(
      "SELECT id FROM bank_statement WHERE bank_account_id = $1 AND statement_key = $2",
      [bank.id, key]
    )
    if let row = existing.first {
      var answer = try await Self.byID(session, try row.decode("id", as: Int64.self), bank)
      answer.linesAdded = 0
      return answer
    }
    var lines = parsed.lines
    var keys = parsed.lineKeys
    let dates = lines.map(\.date)
    let from = dates.min()!
    let to = dates.max()!
    let first = try await session.query(
      "SELECT 1 FROM bank_statement WHERE bank_account_id = $1 LIMIT 1",
      [bank.id]
    ).isEmpty
    if first, let opening = parsed.opening, opening != 0 {
      lines.insert(
        ParsedLine(
          date: from,
          amountMinor: opening,
          reference: "OPBD",
          description: "opening balance"
        ),
        at: 0
      )
      keys.insert("opening", at: 0)
    }
    let statement = try await session.query(
      """
      INSERT INTO bank_statement (bank_account_id, statement_key, statement_id, format,
        from_date, to_date, opening_minor, closing_minor, line_count, lines_added)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0) RETURNING id
      """,
      [
        bank.id, key, parsed.statementID.isEmpty ? key : parsed.statementID, format, from, to,
        parsed.opening ?? 0, parsed.closing ?? 0, parsed.lines.count,
      ]
    )[0].decode("id", as: Int64.self)
    let added = try await session.query(
      """
      WITH inserted AS (
        INSERT INTO bank_statement_line (bank_account_id, statement_id, line_key, booking_date,
          amount_minor, reference, description)
        SELECT $1, $2, k, d::date, a::bigint, r, t
        FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS l (k, d, a, r, t)
        ON CONFLICT (bank_account_id, line_key) DO NOTHING RETURNING 1
      )
      UPDATE bank_statement SET lines_added = (SELECT count(*) FROM inserted) WHERE id = $2
      RETURNING lines_added
      """,
      [
        bank.id, statement, keys, lines.map(\.date.postgresText),
        lines.map { String($0.amountMinor) }, lines.map(\.reference), lines.map(\.description),
      ]
    )[0].decode("lines_added", as: Int.self)
    var answer = try await Self.byID(session, statement, bank)
    answer.linesAdded = Int32(added)
    return answer
  }

  static func byID(
    _ session: PostgresSession,
    _ id: Int64,
    _ bank: BankAccounts.Row
  ) async throws -> Erp_Finance_V1_BankStatement {
    let row = try await session.query(
      """
      SELECT statement_id, from_date, to_date, opening_minor, closing_minor, line_count,
        lines_added FROM bank_statement WHERE id = $1
      """,
      [id]
    )[0]
    var statement = Erp_Finance_V1_BankStatement()
    statement.accountCode = bank.code
    statement.statementID = try row.decode("statement_id", as: String.self)
    statement.fromDate = try row.decode("from_date", as: CalendarDate.self).proto
    statement.toDate = try row.decode("to_date", as: CalendarDate.self).proto
    statement.openingBalance = Erp_Common_V1_Money(
      try row.decode("opening_minor", as: Int64.self),
      bank.currency.code
    )
    statement.closingBalance = Erp_Common_V1_Money(
      try row.decode("closing_minor", as: Int64.self),
      bank.currency.code
    )
    statement.lineCount = Int32(try row.decode("line_count", as: Int.self))
    statement.linesAdded = Int32(try row.decode("lines_added", as: Int.self))
    return statement
  }
}

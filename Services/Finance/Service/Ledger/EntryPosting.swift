import ERPMoney
public import ERPProtos
import ERPRuntime
public import ERPStore
import GRPCCore

/// Posting a journal entry: validation with messages that name the field, conversion of every
/// line to base currency at the rate in force, explicit rounding lines, and one transaction that
/// writes the entry, its lines and the maintained balances. Idempotent by request id.
public enum EntryPosting {
  /// A line ready to insert: signed amounts (debit positive) in its currency and in base.
  struct ResolvedLine: Sendable {
    var accountID: Int64
    var accountCode: String
    var currency: String
    var amountMinor: Int64
    var baseAmountMinor: Int64
    var rate: String
    var isRounding: Bool
    var memo: String
    /// A base-currency difference posted as such (a realised or unrealised exchange
    /// difference), possibly with no amount in its currency.
    var isExchangeDifference = false
  }

  struct Header: Sendable {
    var requestID: String
    var contentHash: String
    var date: CalendarDate
    var memo: String
    var sourceType: String
    var sourceID: String
    var reversesID: Int64?
    var baseCurrency: String
  }

  /// A line as requested, checked on its own. A line by role has its code filled in when the
  /// role is resolved, in the posting transaction.
  struct RequestedLine {
    var index: Int
    var accountCode: String
    var currency: Currency
    var amountMinor: Int64
    var memo: String
    var accountRole = ""
    /// Set for an exchange difference: the line's base amount as given, not converted, and left
    /// out of the rounding lines (the caller balances it).
    var baseAmountMinor: Int64? = nil
  }

  public static func post(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_PostEntryRequest
  ) async throws -> Erp_Finance_V1_JournalEntry {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    let date = try LedgerValues.date(request.date, field: "date")
    let memo = try LedgerValues.text(request.memo, field: "memo", maxLength: 500, required: false)
    let sourceType = try LedgerValues.text(
      request.sourceType,
      field: "source_type",
      maxLength: 50,
      required: false
    )
    let sourceID = try LedgerValues.text(
      request.sourceID,
      field: "source_id",
      maxLength: 100,
      required: false
    )
    let lines = try Self.requestedLines(request.lines)
    let key = try RequestKey("finance.entry", request, id: \.requestID)
    let hash = key.fingerprint

    return try await Self.idempotently(pool, tenant, key) { session in
      try await Self.record(
        session,
        Draft(
          requestID: requestID,
          contentHash: hash,
          date: date,
          memo: memo,
          sourceType: sourceType,
          sourceID: sourceID
        ),
        lines
      )
    }
  }

  /// What an entry says before its lines are resolved to accounts and base currency.
  struct Draft: Sendable {
    var requestID: String
    var contentHash: String
    var date: CalendarDate
    var memo: String
    var sourceType: String
    var sourceID: String
  }

  /// Posts an entry inside the caller's transaction: checks accounts and period, converts each
  /// line to base currency at the rate in force on the date, adds rounding lines, and inserts.
  /// Invoices and payments post through this in the same transaction that records them.
  static func record(
    _ session: PostgresSession,
    _ draft: Draft,
    _ requested: [RequestedLine]
  )
    async throws -> Erp_Finance_V1_JournalEntry
  {
    let date = draft.date
    // What posting needs to know, read in one round trip: base currency, the accounts (and the
    // rounding account), and whether the month is closed.
    let reads = try await session.pipeline([
      PostgresStatement("SELECT base_currency FROM ledger_settings"),
      PostgresStatement(
        "SELECT code, id, active, role FROM account WHERE code = ANY($1::text[]) "
          + "OR role = ANY($2::text[]) OR role = 'rounding'",
        [
          Array(Set(requested.map(\.accountCode).filter { !$0.isEmpty })),
          Array(Set(requested.map(\.accountRole).filter { !$0.isEmpty })),
        ]
      ),
      PostgresStatement(
        "SELECT 1 FROM closed_period WHERE year = $1 AND month = $2",
        [date.year, date.month]
      ),
    ])
    guard let base = Currency(code: try reads[0][0].decode("base_currency", as: String.self)) else {
      throw RPCError(code: .internalError, message: "the ledger's base currency is unknown")
    }
    let lines = try Self.resolvingRoles(reads[1], requested)
    let accounts = try Self.accounts(reads[1], lines)
    if !reads[2].isEmpty {
      throw RPCError(
        code: .failedPrecondition,
        message: "date: the period \(date.year)-\(date.month) is closed"
      )
    }
    var resolved: [ResolvedLine] = []
    var rates: [Currency: DecimalRate] = [:]
    for line in lines {
      var baseAmount = line.amountMinor
      var rateText = "1"
      if let given = line.baseAmountMinor {
        baseAmount = given
      } else if line.currency != base {
        if rates[line.currency] == nil {
          guard
            let rate = try await LedgerSettingsStore.rate(
              session,
              currency: line.currency,
              on: date
            )
          else {
            throw RPCError(
              code: .failedPrecondition,
              message: "lines[\(line.index)]: no exchange rate for \(line.currency) on or "
                + "before \(date.postgresText)"
            )
          }
          rates[line.currency] = rate
        }
        let rate = rates[line.currency]!
        guard let converted = rate.convert(line.amountMinor, from: line.currency, to: base)
        else {
          throw LedgerValues.invalid("lines[\(line.index)]", "the amount is too large")
        }
        baseAmount = converted
        rateText = rate.description
      }
      resolved.append(
        ResolvedLine(
          accountID: accounts.ids[line.accountCode]!,
          accountCode: line.accountCode,
          currency: line.currency.code,
          amountMinor: line.amountMinor,
          baseAmountMinor: baseAmount,
          rate: rateText,
          isRounding: false,
          memo: line.memo,
          isExchangeDifference: line.baseAmountMinor != nil
        )
      )
    }
    resolved += try Self.roundingLines(resolved, base: base, rounding: accounts.rounding)
    let header = Header(
      requestID: draft.requestID,
      contentHash: draft.contentHash,
      date: date,
      memo: draft.memo,
      sourceType: draft.sourceType,
      sourceID: draft.sourceID,
      reversesID: nil,
      baseCurrency: base.code
    )
    return try await Self.insert(session, header, resolved)
  }

  /// Checks each line and that debits equal credits in every currency.
  static func requestedLines(_ lines: [Erp_Finance_V1_EntryLine]) throws -> [RequestedLine] {
    guard lines.count >= 2 else {
      throw LedgerValues.invalid("lines", "an entry needs at least two lines")
    }
    guard lines.count <= 500 else {
      throw LedgerValues.invalid("lines", "at most 500 lines per entry")
    }
    var requested: [RequestedLine] = []
    var sums: [Currency: (debit: Int64, credit: Int64)] = [:]
    for (index, line) in lines.enumerated() {
      let field = "lines[\(index)]"
      guard !line.accountCode.isEmpty || !line.accountRole.isEmpty else {
        throw LedgerValues.invalid(field + ".account_code", "required (or account_role)")
      }
      let role = try LedgerValues.text(
        line.accountRole,
        field: field + ".account_role",
        maxLength: 50,
        required: false
      )
      guard line.hasDebit != line.hasCredit else {
        throw LedgerValues.invalid(field, "exactly one of debit or credit")
      }
      let side = line.hasDebit ? "debit" : "credit"
      let money = line.hasDebit ? line.debit : line.credit
      let currency = try LedgerValues.currency(
        money.currencyCode,
        field: "\(field).\(side).currency_code"
      )
      guard money.unitsMinor > 0 else {
        throw LedgerValues.invalid(
          "\(field).\(side).units_minor",
          "must be positive (\(money.unitsMinor))"
        )
      }
      let memo = try LedgerValues.text(
        line.memo,
        field: field + ".memo",
        maxLength: 500,
        required: false
      )
      let signed = line.hasDebit ? money.unitsMinor : -money.unitsMinor
      var sum = sums[currency] ?? (0, 0)
      if line.hasDebit {
        sum.debit = try Self.adding(sum.debit, money.unitsMinor, field: field)
      } else {
        sum.credit = try Self.adding(sum.credit, money.unitsMinor, field: field)
      }
      sums[currency] = sum
      requested.append(
        RequestedLine(
          index: index,
          accountCode: line.accountCode,
          currency: currency,
          amountMinor: signed,
          memo: memo,
          accountRole: role
        )
      )
    }
    for (currency, sum) in sums.sorted(by: { $0.key.code < $1.key.code })
    where sum.debit != sum.credit {
      throw LedgerValues.invalid(
        "lines",
        "debits and credits differ in \(currency): debits \(LedgerValues.display(sum.debit, currency)), "
          + "credits \(LedgerValues.display(sum.credit, currency))"
      )
    }
    return requested
  }

  static func adding(_ a: Int64, _ b: Int64, field: String) throws -> Int64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    guard !overflow else { throw LedgerValues.invalid(field, "the amounts are too large") }
    return sum
  }

  /// The lines with each role replaced by the code of the account that has it now (read in the
  /// posting transaction); a role no account has is FAILED_PRECONDITION.
  static func resolvingRoles(
    _ rows: [PostgresRow],
    _ lines: [RequestedLine]
  ) throws -> [RequestedLine] {
    var byRole: [String: String] = [:]
    for row in rows {
      if let role = try row.decodeIfPresent("role", as: String.self) {
        byRole[role] = try row.decode("code", as: String.self)
      }
    }
    return try lines.map { line in
      guard !line.accountRole.isEmpty else { return line }
      guard let code = byRole[line.accountRole] else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "lines[\(line.index)].account_role: the ledger has no \(line.accountRole) account"
        )
      }
      var resolved = line
      resolved.accountCode = code
      return resolved
    }
  }

  /// Account ids by code; unknown codes are INVALID_ARGUMENT, inactive ones FAILED_PRECONDITION.
  static func accounts(
    _ rows: [PostgresRow],
    _ lines: [RequestedLine]
  ) throws
    -> (ids: [String: Int64], rounding: (id: Int64, code: String)?)
  {
    var found: [String: (Int64, Bool)] = [:]
    var rounding: (id: Int64, code: String)?
    for row in rows {
      let code = try row.decode("code", as: String.self)
      let id = try row.decode("id", as: Int64.self)
      found[code] = (id, try row.decode("active", as: Bool.self))
      if try row.decodeIfPresent("role", as: String.self) == "rounding" { rounding = (id, code) }
    }
    for line in lines {
      guard let (_, active) = found[line.accountCode] else {
        throw LedgerValues.invalid(
          "lines[\(line.index)].account_code",
          "no account \(quoted(line.accountCode))"
        )
      }
      guard active else {
        throw RPCError(
          code: .failedPrecondition,
          message: "lines[\(line.index)].account_code: account \(line.accountCode) is inactive"
        )
      }
    }
    return (found.mapValues(\.0), rounding)
  }

  /// Converting each line separately can leave the base-currency total a few minor units off
  /// zero. Each foreign currency's difference is posted explicitly to the rounding account, as a
  /// line with no amount in that currency and the difference in base, so both the per-currency
  /// totals and the base total are exactly zero.
  static func roundingLines(
    _ lines: [ResolvedLine],
    base: Currency,
    rounding: (id: Int64, code: String)?
  ) throws -> [ResolvedLine] {
    var differences: [String: Int64] = [:]
    for line in lines where line.currency != base.code && !line.isExchangeDifference {
      differences[line.currency, default: 0] += line.baseAmountMinor
    }
    let needed = differences.filter { $0.value != 0 }.sorted { $0.key < $1.key }
    guard !needed.isEmpty else { return [] }
    guard let (id, code) = rounding else {
      throw RPCError(code: .failedPrecondition, message: "the ledger has no rounding account")
    }
    return needed.map { currency, difference in
      ResolvedLine(
        accountID: id,
        accountCode: code,
        currency: currency,
        amountMinor: 0,
        baseAmountMinor: -difference,
        rate: "1",
        isRounding: true,
        memo: "rounding of \(currency) to \(base)"
      )
    }
  }

  /// Writes the entry, its lines and the balance updates: the lines and balances go out as one
  /// pipeline. Balances are spread over 8 slots by backend so concurrent postings to the same
  /// account rarely wait on one row, and updated in a fixed order so they cannot deadlock.
  static func insert(
    _ session: PostgresSession,
    _ header: Header,
    _ lines: [ResolvedLine]
  )
    async throws -> Erp_Finance_V1_JournalEntry
  {
    // The entry, its lines and the balance updates go out as one pipeline: the lines find the
    // entry's id with currval of its identity sequence (per session, so never another's).
    var statements: [PostgresStatement] = [
      PostgresStatement(
        """
        INSERT INTO journal_entry
          (number, request_id, content_hash, entry_date, memo, source_type, source_id, reverses_id)
        VALUES ('JE-' || lpad(nextval('journal_number')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7)
        RETURNING number
        """,
        [
          header.requestID, header.contentHash, header.date, header.memo, header.sourceType,
          header.sourceID, header.reversesID,
        ]
      )
    ]
    for (index, line) in lines.enumerated() {
      statements.append(
        PostgresStatement(
          """
          INSERT INTO journal_line (entry_id, line_no, account_id, entry_date, currency,
            amount_minor, base_amount_minor, rate, is_rounding, memo, is_exchange_difference)
          VALUES (currval(pg_get_serial_sequence('journal_entry', 'id')), $1, $2, $3, $4, $5, $6,
            $7::numeric, $8, $9, $10)
          """,
          [
            index + 1, line.accountID, header.date, line.currency, line.amountMinor,
            line.baseAmountMinor, line.rate, line.isRounding, line.memo, line.isExchangeDifference,
          ]
        )
      )
    }
    struct BalanceKey: Hashable, Comparable {
      var account: Int64
      var currency: String
      static func < (a: Self, b: Self) -> Bool { (a.account, a.currency) < (b.account, b.currency) }
    }
    var deltas: [BalanceKey: (Int64, Int64)] = [:]
    for line in lines {
      let key = BalanceKey(account: line.accountID, currency: line.currency)
      let current = deltas[key] ?? (0, 0)
      deltas[key] = (current.0 + line.amountMinor, current.1 + line.baseAmountMinor)
    }
    for key in deltas.keys.sorted() {
      let (amount, baseAmount) = deltas[key]!
      statements.append(
        PostgresStatement(
          """
          INSERT INTO account_balance
            (account_id, year, month, currency, slot, amount_minor, base_amount_minor)
          VALUES ($1, $2, $3, $4, pg_backend_pid() % 8, $5, $6)
          ON CONFLICT (account_id, year, month, currency, slot) DO UPDATE SET
            amount_minor = account_balance.amount_minor + EXCLUDED.amount_minor,
            base_amount_minor = account_balance.base_amount_minor + EXCLUDED.base_amount_minor
          """,
          [key.account, header.date.year, header.date.month, key.currency, amount, baseAmount]
        )
      )
    }
    let results = try await session.pipeline(statements)
    let number = try results[0][0].decode("number", as: String.self)

    var answer = Erp_Finance_V1_JournalEntry()
    answer.number = number
    answer.requestID = header.requestID
    answer.date = LedgerValues.proto(header.date)
    answer.memo = header.memo
    answer.sourceType = header.sourceType
    answer.sourceID = header.sourceID
    answer.lines = lines.map { Self.protoLine($0, base: header.baseCurrency) }
    return answer
  }

  static func protoLine(_ line: ResolvedLine, base: String) -> Erp_Finance_V1_EntryLine {
    var proto = Erp_Finance_V1_EntryLine()
    proto.accountCode = line.accountCode
    proto.memo = line.memo
    if line.amountMinor > 0 || (line.amountMinor == 0 && line.baseAmountMinor > 0) {
      proto.debit = Erp_Common_V1_Money(line.amountMinor, line.currency)
    } else {
      proto.credit = Erp_Common_V1_Money(-line.amountMinor, line.currency)
    }
    if line.baseAmountMinor >= 0 {
      proto.baseDebit = Erp_Common_V1_Money(line.baseAmountMinor, base)
    } else {
      proto.baseCredit = Erp_Common_V1_Money(-line.baseAmountMinor, base)
    }
    return proto
  }

  /// Runs `body` in a tenant transaction unless `requestID` was already posted: then the first
  /// entry is returned unchanged (see `Idempotency`).
  static func idempotently(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ key: RequestKey,
    _ body: @escaping @Sendable (PostgresSession) async throws -> Erp_Finance_V1_JournalEntry
  ) async throws -> Erp_Finance_V1_JournalEntry {
    let requestID = key.requestID
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "journal_entry_request_id_key",
      existing: { session in
        // The common case is a new request id: one index probe, the full entry only on a repeat.
        let found = try await session.query(
          "SELECT number FROM journal_entry WHERE request_id = $1",
          [requestID]
        )
        guard !found.isEmpty else { return nil }
        return try await EntryReading.byRequestID(session, requestID).map {
          (hash: $0.hash, number: "entry " + $0.entry.number, value: $0.entry)
        }
      },
      create: body
    )
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Income statement, balance sheet, general ledger and the year-end close, all in base currency
/// and all read from the maintained monthly balances where whole months allow, and from the
/// lines only for the months a range cuts through.
enum FinancialReports {
  static let closingSource = "year_end_close"

  struct AccountNet {
    var code: String
    var name: String
    var type: String
    /// Debit positive.
    var net: Int64
  }

  /// Each account's net movement between two dates (inclusive); closing entries optionally left
  /// out (an income statement must not show the year's close as its own result).
  static func nets(
    _ session: PostgresSession,
    from: CalendarDate,
    to: CalendarDate,
    excludingClosing: Bool
  ) async throws -> [AccountNet] {
    // Whole months [first_whole, last_whole] come from the maintained balances; the days before
    // and after them (the months the range cuts through) from the lines, by date index.
    let rows = try await session.query(
      """
      WITH bounds AS (
        SELECT $1::date AS f, $2::date AS t,
          CASE WHEN $1::date = date_trunc('month', $1::date)::date THEN $1::date
            ELSE (date_trunc('month', $1::date) + interval '1 month')::date END AS first_whole,
          CASE WHEN $2::date = (date_trunc('month', $2::date) + interval '1 month - 1 day')::date
            THEN $2::date ELSE (date_trunc('month', $2::date) - interval '1 day')::date END
            AS last_whole),
      whole AS (
        SELECT b.account_id, sum(b.base_amount_minor) AS net FROM account_balance b, bounds
        WHERE make_date(b.year, b.month, 1) BETWEEN bounds.first_whole AND bounds.last_whole
        GROUP BY b.account_id),
      partial AS (
        SELECT l.account_id, sum(l.base_amount_minor) AS net FROM journal_line l, bounds
        WHERE (l.entry_date >= bounds.f AND l.entry_date < least(bounds.first_whole, bounds.t + 1))
           OR (l.entry_date > greatest(bounds.last_whole, bounds.first_whole - 1)
               AND l.entry_date <= bounds.t)
        GROUP BY l.account_id),
      closing AS (
        SELECT l.account_id, -sum(l.base_amount_minor) AS net
        FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id, bounds
        WHERE $3 AND e.source_type = '\(Self.closingSource)'
          AND l.entry_date BETWEEN bounds.f AND bounds.t
        GROUP BY l.account_id)
      SELECT a.code, a.name, a.type, sum(m.net)::bigint AS net
      FROM (SELECT * FROM whole UNION ALL SELECT * FROM partial UNION ALL SELECT * FROM closing) m
      JOIN account a ON a.id = m.account_id
      GROUP BY a.code, a.name, a.type HAVING sum(m.net) <> 0 ORDER BY a.code
      """,
      [from, to, excludingClosing]
    )
    return try rows.map {
      AccountNet(
        code: try $0.decode("code", as: String.self),
        name: try $0.decode("name", as: String.self),
        type: try $0.decode("type", as: String.self),
        net: try $0.decode("net", as: Int64.self)
      )
    }
  }

  static let beginning = CalendarDate(year: 1900, month: 1, day: 1)

  static func line(_ net: AccountNet, creditNatural: Bool) -> Erp_Finance_V1_ReportLine {
    var line = Erp_Finance_V1_ReportLine()
    line.accountCode = net.code
    line.accountName = net.name
    line.type = LedgerValues.accountType(net.type)
    line.amountMinor = creditNatural ? -net.net : net.net
    return line
  }

  static func incomeStatement(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_IncomeStatementRequest
  ) async throws -> Erp_Finance_V1_IncomeStatementResponse {
    let from = try LedgerValues.date(request.from, field: "from")
    let to = try LedgerValues.date(request.to, field: "to")
    guard from <= to else { throw LedgerValues.invalid("to", "must not be before from") }
    return try await pool.withTenant(tenant, isolation: .repeatableRead) { session in
      var response = Erp_Finance_V1_IncomeStatementResponse()
      response.baseCurrency = try await LedgerSettingsStore.baseCurrency(session).code
      for net in try await Self.nets(session, from: from, to: to, excludingClosing: true) {
        switch net.type {
        case "revenue": response.revenue.append(Self.line(net, creditNatural: true))
        case "expense": response.expenses.append(Self.line(net, creditNatural: false))
        default: continue
        }
      }
      response.totalRevenueMinor = response.revenue.reduce(0) { $0 + $1.amountMinor }
      response.totalExpensesMinor = response.expenses.reduce(0) { $0 + $1.amountMinor }
      response.netIncomeMinor = response.totalRevenueMinor - response.totalExpensesMinor
      return response
    }
  }

  static func balanceSheet(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_BalanceSheetRequest
  ) async throws -> Erp_Finance_V1_BalanceSheetResponse {
    let asOf = try LedgerValues.date(request.asOf, field: "as_of")
    return try await pool.withTenant(tenant, isolation: .repeatableRead) { session in
      var response = Erp_Finance_V1_BalanceSheetResponse()
      response.baseCurrency = try await LedgerSettingsStore.baseCurrency(session).code
      var earnings: Int64 = 0
      for net in try await Self.nets(
        session,
        from: Self.beginning,
        to: asOf,
        excludingClosing: false
      ) {
        switch net.type {
        case "asset": response.assets.append(Self.line(net, creditNatural: false))
        case "liability": response.liabilities.append(Self.line(net, creditNatural: true))
        case "equity": response.equity.append(Self.line(net, creditNatural: true))
        default: earnings -= net.net
        }
      }
      response.unclosedEarningsMinor = earnings
      response.totalAssetsMinor = response.assets.reduce(0) { $0 + $1.amountMinor }
      response.totalLiabilitiesAndEquityMinor =
        response.liabilities.reduce(0) { $0 + $1.amountMinor }
        + response.equity.reduce(0) { $0 + $1.amountMinor } + earnings
      return response
    }
  }

  /// Streams an account's lines in pages of 500 from a cursor, inside one repeatable-read
  /// transaction, so a long ledger is neither held in memory nor torn by concurrent postings.
  static func generalLedger(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_GeneralLedgerRequest,
    _ writer: RPCWriter<Erp_Finance_V1_GeneralLedgerPage>
  ) async throws {
    let from = try LedgerValues.date(request.from, field: "from")
    let to = try LedgerValues.date(request.to, field: "to")
    guard from <= to else { throw LedgerValues.invalid("to", "must not be before from") }
    try await pool.withTenant(tenant, isolation: .repeatableRead) { session in
      let accounts = try await session.query(
        "SELECT id FROM account WHERE code = $1",
        [request.accountCode]
      )
      guard let account = accounts.first else {
        throw RPCError(
          code: .notFound,
          message: "account_code: no account \(quoted(request.accountCode))"
        )
      }
      let accountID = try account.decode("id", as: Int64.self)
      let dayBefore = try await session.query(
        "SELECT ($1::date - 1) AS day",
        [from]
      )[0].decode("day", as: CalendarDate.self)
      var balance: Int64 = 0
      if dayBefore >= Self.beginning {
        balance =
          try await Self.nets(session, from: Self.beginning, to: dayBefore, excludingClosing: false)
          .first { $0.code == request.accountCode }?.net ?? 0
      }
      try await session.query(
        """
        DECLARE general_ledger NO SCROLL CURSOR FOR
        SELECT l.entry_date, e.number, coalesce(nullif(l.memo, ''), e.memo) AS memo,
          l.base_amount_minor, l.amount_minor, l.currency
        FROM journal_line l JOIN journal_entry e ON e.id = l.entry_id
        WHERE l.account_id = $1 AND l.entry_date BETWEEN $2 AND $3
        ORDER BY l.entry_date, l.entry_id, l.line_no
        """,
        [accountID, from, to]
      )
      var page = Erp_Finance_V1_GeneralLedgerPage()
      page.openingBalanceMinor = balance
      while true {
        let rows = try await session.query("FETCH 500 FROM general_ledger")
        for row in rows {
          let base = try row.decode("base_amount_minor", as: Int64.self)
          balance += base
          var line = Erp_Finance_V1_GeneralLedgerLine()
          line.date = LedgerValues.proto(try row.decode("entry_date", as: CalendarDate.self))
          line.entryNumber = try row.decode("number", as: String.self)
          line.memo = try row.decode("memo", as: String.self)
          if base >= 0 { line.debitMinor = base } else { line.creditMinor = -base }
          line.balanceMinor = balance
          line.amount = Erp_Common_V1_Money(
            try row.decode("amount_minor", as: Int64.self),
            try row.decode("currency", as: String.self)
          )
          page.lines.append(line)
        }
        if rows.count < 500 {
          try await writer.write(page)
          break
        }
        try await writer.write(page)
        page = Erp_Finance_V1_GeneralLedgerPage()
      }
      try await session.query("CLOSE general_ledger")
    }
  }

  /// Closes a fiscal year: one entry on 31 December moving every revenue and expense balance of
  /// the year into retained earnings.
  static func closeYear(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_CloseFiscalYearRequest
  ) async throws -> Erp_Finance_V1_JournalEntry {
    guard (1900...9999).contains(request.year) else {
      throw LedgerValues.invalid("year", "\(request.year) is not a year")
    }
    let year = Int(request.year)
    let requestID = "year-end-close:\(year)"
    return try await EntryPosting.idempotently(
      pool,
      tenant,
      RequestKey(
        scope: "finance.year_end_close",
        requestID: requestID,
        fingerprint: RequestFingerprint.of("finance.year_end_close", request)
      )
    ) { session in
      let base = try await LedgerSettingsStore.baseCurrency(session)
      let nets = try await Self.nets(
        session,
        from: CalendarDate(year: year, month: 1, day: 1),
        to: CalendarDate(year: year, month: 12, day: 31),
        excludingClosing: false
      ).filter { $0.type == "revenue" || $0.type == "expense" }
      guard !nets.isEmpty else {
        throw RPCError(
          code: .failedPrecondition,
          message: "year: \(year) has no revenue or expense to close"
        )
      }
      let retained = try await BillingValues.roleAccount(session, "retained_earnings")
      var lines = nets.enumerated().map { index, net in
        EntryPosting.RequestedLine(
          index: index,
          accountCode: net.code,
          currency: base,
          amountMinor: -net.net,
          memo: "close \(year)"
        )
      }
      let result = nets.reduce(Int64(0)) { $0 + $1.net }
      if result != 0 {
        lines.append(
          .init(
            index: lines.count,
            accountCode: retained,
            currency: base,
            amountMinor: result,
            memo: "result of \(year)"
          )
        )
      }
      return try await EntryPosting.record(
        session,
        .init(
          requestID: requestID,
          contentHash: requestID,
          date: CalendarDate(year: year, month: 12, day: 31),
          memo: "year-end close \(year)",
          sourceType: Self.closingSource,
          sourceID: String(year)
        ),
        lines
      )
    }
  }
}

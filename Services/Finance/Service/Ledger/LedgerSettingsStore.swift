import ERPMoney
import ERPProtos
import ERPStore
import GRPCCore

/// Base currency, exchange rates and closed periods of one tenant's ledger.
enum LedgerSettingsStore {
  static func baseCurrency(_ session: PostgresSession) async throws -> Currency {
    let rows = try await session.query("SELECT base_currency FROM ledger_settings")
    let code = try rows[0].decode("base_currency", as: String.self)
    guard let currency = Currency(code: code) else {
      throw RPCError(code: .internalError, message: "the ledger's base currency is unknown")
    }
    return currency
  }

  static func setBaseCurrency(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    code: String
  )
    async throws -> Currency
  {
    let currency = try LedgerValues.currency(code, field: "currency_code")
    return try await pool.withTenant(tenant) { session in
      // Serialises with postings, which hold ROW EXCLUSIVE on journal_entry until they commit.
      try await session.query("LOCK TABLE journal_entry IN SHARE ROW EXCLUSIVE MODE")
      let posted = try await session.query("SELECT 1 FROM journal_entry LIMIT 1")
      let current = try await Self.baseCurrency(session)
      guard posted.isEmpty || current == currency else {
        throw RPCError(
          code: .failedPrecondition,
          message: "currency_code: the base currency cannot change once entries are posted"
        )
      }
      try await session.query("UPDATE ledger_settings SET base_currency = $1", [currency.code])
      return currency
    }
  }

  static func setRate(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_SetExchangeRateRequest
  ) async throws -> Erp_Finance_V1_ExchangeRate {
    let currency = try LedgerValues.currency(request.currencyCode, field: "currency_code")
    let effective = try LedgerValues.date(request.effective, field: "effective")
    guard let rate = DecimalRate(request.rate) else {
      throw LedgerValues.invalid(
        "rate",
        "a positive decimal such as \"3.75\" with at most 10 decimal places"
      )
    }
    return try await pool.withTenant(tenant) { session in
      guard try await Self.baseCurrency(session) != currency else {
        throw LedgerValues.invalid("currency_code", "the base currency has no exchange rate")
      }
      try await session.query(
        """
        INSERT INTO exchange_rate (currency, effective, rate) VALUES ($1, $2, $3::numeric)
        ON CONFLICT (currency, effective) DO UPDATE SET rate = EXCLUDED.rate
        """,
        [currency.code, effective, rate.description]
      )
      var answer = Erp_Finance_V1_ExchangeRate()
      answer.currencyCode = currency.code
      answer.effective = LedgerValues.proto(effective)
      answer.rate = rate.description
      return answer
    }
  }

  /// The rate in force for `currency` on `date`: the latest on or before it.
  static func rate(
    _ session: PostgresSession,
    currency: Currency,
    on date: CalendarDate
  )
    async throws -> DecimalRate?
  {
    let rows = try await session.query(
      """
      SELECT rate::text AS rate FROM exchange_rate WHERE currency = $1 AND effective <= $2
      ORDER BY effective DESC LIMIT 1
      """,
      [currency.code, date]
    )
    // numeric(24,10) prints ten decimals ("3.7500000000"), which DecimalRate takes as they are.
    return try rows.first.flatMap { DecimalRate(try $0.decode("rate", as: String.self)) }
  }

  static func period(_ request: Erp_Finance_V1_PeriodRequest) throws -> (Int, Int) {
    guard (1900...9999).contains(request.year) else {
      throw LedgerValues.invalid("year", "\(request.year) is not a year")
    }
    guard (1...12).contains(request.month) else {
      throw LedgerValues.invalid("month", "must be 1 to 12")
    }
    return (Int(request.year), Int(request.month))
  }

  static func setClosed(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_PeriodRequest,
    closed: Bool
  ) async throws -> Erp_Finance_V1_Period {
    let (year, month) = try Self.period(request)
    try await pool.withTenant(tenant) { session in
      if closed {
        // Waits for postings in flight, so none lands in the month after it is closed.
        try await session.query("LOCK TABLE journal_entry IN SHARE ROW EXCLUSIVE MODE")
        try await session.query(
          "INSERT INTO closed_period (year, month) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          [year, month]
        )
      } else {
        try await session.query(
          "DELETE FROM closed_period WHERE year = $1 AND month = $2",
          [year, month]
        )
      }
    }
    var period = Erp_Finance_V1_Period()
    period.year = Int32(year)
    period.month = Int32(month)
    period.closed = closed
    return period
  }

  static func isClosed(_ session: PostgresSession, _ date: CalendarDate) async throws -> Bool {
    try await !session.query(
      "SELECT 1 FROM closed_period WHERE year = $1 AND month = $2",
      [date.year, date.month]
    ).isEmpty
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

/// The entries the fault tests post, and the check that the books still balance.
enum Postings {
  /// Provisions `tenant` in finance: base currency KWD, a USD rate, the default chart.
  static func prepare(_ finance: ServiceUnderFault, _ tenant: TenantID) async throws {
    try await finance.provision(tenant)
    try await finance.client(tenant) { client in
      let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "KWD"
      _ = try await ledger.setBaseCurrency(base)
      var rate = Erp_Finance_V1_SetExchangeRateRequest()
      rate.currencyCode = "USD"
      rate.effective = CalendarDate(year: 2026, month: 1, day: 1).proto
      rate.rate = "0.30712"
      _ = try await ledger.setExchangeRate(rate)
    }
  }

  /// A balanced entry, in USD or KWD, different for every (worker, index).
  static func entry(worker: Int, index: Int) -> Erp_Finance_V1_PostEntryRequest {
    let n = Int64(worker * 1_000 + index + 1)
    let currency = n % 2 == 0 ? "USD" : "KWD"
    var request = Erp_Finance_V1_PostEntryRequest()
    request.requestID = "fault-\(worker)-\(index)"
    request.date = CalendarDate(year: 2026, month: Int(n % 3) + 9, day: Int(n % 27) + 1).proto
    request.memo = "fault \(worker)/\(index)"
    request.lines = [
      Self.line("1200", debit: n * 1_001, currency), Self.line("1400", debit: n * 7, currency),
      Self.line("4100", credit: n * 1_003, currency), Self.line("2200", credit: n * 5, currency),
    ]
    return request
  }

  static func line(
    _ account: String,
    debit: Int64 = 0,
    credit: Int64 = 0,
    _ currency: String
  ) -> Erp_Finance_V1_EntryLine {
    var line = Erp_Finance_V1_EntryLine()
    line.accountCode = account
    if debit > 0 { line.debit = Erp_Common_V1_Money(debit, currency) }
    if credit > 0 { line.credit = Erp_Common_V1_Money(credit, currency) }
    return line
  }

  /// Zero in every currency and in base, in the lines themselves and in the trial balance.
  static func expectBalanced(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ finance: ServiceUnderFault
  ) async throws {
    let sums = try await pool.tenantQuery(
      tenant,
      "SELECT currency, sum(amount_minor)::bigint AS total, sum(base_amount_minor)::bigint AS base "
        + "FROM journal_line GROUP BY currency"
    )
    #expect(!sums.isEmpty)
    for row in sums { #expect(try row.decode("total", as: Int64.self) == 0) }
    #expect(try sums.map { try $0.decode("base", as: Int64.self) }.reduce(0, +) == 0)
    let trial = try await finance.client(tenant) { client in
      var request = Erp_Finance_V1_TrialBalanceRequest()
      request.asOf = CalendarDate(year: 2026, month: 12, day: 31).proto
      return try await Erp_Finance_V1_Ledger.Client(wrapping: client).trialBalance(request)
    }
    #expect(trial.totalDebitMinor == trial.totalCreditMinor)
    #expect(trial.totalDebitMinor > 0)
  }
}

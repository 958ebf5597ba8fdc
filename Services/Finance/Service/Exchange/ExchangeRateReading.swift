import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

extension LedgerSettingsStore {
  /// `Ledger.GetExchangeRate`: the rate in force on a date and the date it took effect.
  static func rate(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_GetExchangeRateRequest
  ) async throws -> Erp_Finance_V1_ExchangeRate {
    let currency = try LedgerValues.currency(request.currencyCode, field: "currency_code")
    let date = try LedgerValues.date(request.on, field: "on")
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT rate::text AS rate, effective FROM exchange_rate WHERE currency = $1
        AND effective <= $2
      ORDER BY effective DESC LIMIT 1
      """,
      [currency.code, date]
    )
    guard let row = rows.first, let rate = DecimalRate(try row.decode("rate", as: String.self))
    else {
      throw RPCError(
        code: .notFound,
        message: "currency_code: no \(currency) rate on or before \(date.postgresText)"
      )
    }
    var answer = Erp_Finance_V1_ExchangeRate()
    answer.currencyCode = currency.code
    answer.effective = try row.decode("effective", as: CalendarDate.self).proto
    answer.rate = rate.description
    return answer
  }
}

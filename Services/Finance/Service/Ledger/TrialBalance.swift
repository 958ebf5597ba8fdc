import ERPProtos
import ERPStore

/// Every account's balance in base currency as of a date, from the maintained monthly balances
/// for the months before that date's month, plus the lines of that month up to the date. It
/// never sums the whole journal.
enum TrialBalance {
  static func asOf(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ date: CalendarDate
  ) async throws
    -> Erp_Finance_V1_TrialBalanceResponse
  {
    try await pool.withTenant(tenant, isolation: .repeatableRead) { session in
      let base = try await LedgerSettingsStore.baseCurrency(session)
      let rows = try await session.query(
        """
        WITH movement AS (
          SELECT account_id, sum(base_amount_minor) AS net FROM account_balance
          WHERE (year, month) < ($1, $2) GROUP BY account_id
          UNION ALL
          SELECT account_id, sum(base_amount_minor) FROM journal_line
          WHERE entry_date BETWEEN make_date($1, $2, 1) AND $3 GROUP BY account_id
        )
        SELECT a.code, a.name, a.type, sum(m.net)::bigint AS net
        FROM movement m JOIN account a ON a.id = m.account_id
        GROUP BY a.code, a.name, a.type HAVING sum(m.net) <> 0
        ORDER BY a.code
        """,
        [date.year, date.month, date]
      )
      var response = Erp_Finance_V1_TrialBalanceResponse()
      response.baseCurrency = base.code
      for row in rows {
        var line = Erp_Finance_V1_TrialBalanceLine()
        line.accountCode = try row.decode("code", as: String.self)
        line.accountName = try row.decode("name", as: String.self)
        line.type = LedgerValues.accountType(try row.decode("type", as: String.self))
        let net = try row.decode("net", as: Int64.self)
        if net > 0 { line.debitMinor = net } else { line.creditMinor = -net }
        response.totalDebitMinor += line.debitMinor
        response.totalCreditMinor += line.creditMinor
        response.lines.append(line)
      }
      return response
    }
  }
}

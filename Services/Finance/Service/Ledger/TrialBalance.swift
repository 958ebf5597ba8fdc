public import ERPProtos
public import ERPStore

/// Every account's balance in base currency as of a date, from the maintained monthly balances
/// for whole months, plus the lines of the month the date cuts through. It never sums the whole
/// journal.
public enum TrialBalance {
  public static func asOf(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ date: CalendarDate
  ) async throws
    -> Erp_Finance_V1_TrialBalanceResponse
  {
    try await pool.withTenant(tenant, isolation: .repeatableRead) { session in
      let base = try await LedgerSettingsStore.baseCurrency(session)
      let nets = try await FinancialReports.nets(
        session,
        from: FinancialReports.beginning,
        to: date,
        excludingClosing: false
      )
      var response = Erp_Finance_V1_TrialBalanceResponse()
      response.baseCurrency = base.code
      for account in nets {
        var line = Erp_Finance_V1_TrialBalanceLine()
        line.accountCode = account.code
        line.accountName = account.name
        line.type = LedgerValues.accountType(account.type)
        let net = account.net
        if net > 0 { line.debitMinor = net } else { line.creditMinor = -net }
        response.totalDebitMinor += line.debitMinor
        response.totalCreditMinor += line.creditMinor
        response.lines.append(line)
      }
      return response
    }
  }
}

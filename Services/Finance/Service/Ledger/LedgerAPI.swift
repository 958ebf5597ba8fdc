import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Ledger` API: each handler checks its request, then runs in the calling tenant.
struct LedgerAPI: Erp_Finance_V1_Ledger.SimpleServiceProtocol {
  let pool: ConnectionPool

  func listAccounts(
    request: Erp_Finance_V1_ListAccountsRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_ListAccountsResponse
  {
    var response = Erp_Finance_V1_ListAccountsResponse()
    response.accounts = try await inCallingTenant { tenant in
      try await AccountStore.list(self.pool, tenant, includeInactive: request.includeInactive)
    }
    return response
  }

  func createAccount(
    request: Erp_Finance_V1_CreateAccountRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Account
  {
    return try await inCallingTenant { tenant in
      try await AccountStore.create(self.pool, tenant, request)
    }
  }

  func renameAccount(
    request: Erp_Finance_V1_RenameAccountRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Account
  {
    return try await inCallingTenant { tenant in
      try await AccountStore.rename(self.pool, tenant, code: request.code, name: request.name)
    }
  }

  func deactivateAccount(
    request: Erp_Finance_V1_DeactivateAccountRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_Account
  {
    return try await inCallingTenant { tenant in
      try await AccountStore.deactivate(self.pool, tenant, code: request.code)
    }
  }

  func getSettings(
    request: Erp_Finance_V1_GetSettingsRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_LedgerSettings
  {
    let base = try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { try await LedgerSettingsStore.baseCurrency($0) }
    }
    var settings = Erp_Finance_V1_LedgerSettings()
    settings.baseCurrency = base.code
    return settings
  }

  func setBaseCurrency(
    request: Erp_Finance_V1_SetBaseCurrencyRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_LedgerSettings
  {
    let base = try await inCallingTenant { tenant in
      try await LedgerSettingsStore.setBaseCurrency(self.pool, tenant, code: request.currencyCode)
    }
    var settings = Erp_Finance_V1_LedgerSettings()
    settings.baseCurrency = base.code
    return settings
  }

  func setExchangeRate(
    request: Erp_Finance_V1_SetExchangeRateRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_ExchangeRate
  {
    return try await inCallingTenant { tenant in
      try await LedgerSettingsStore.setRate(self.pool, tenant, request)
    }
  }

  func getExchangeRate(
    request: Erp_Finance_V1_GetExchangeRateRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_ExchangeRate {
    try await inCallingTenant { tenant in
      try await LedgerSettingsStore.rate(self.pool, tenant, request)
    }
  }

  func closePeriod(
    request: Erp_Finance_V1_PeriodRequest,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_Period
  {
    return try await inCallingTenant { tenant in
      try await LedgerSettingsStore.setClosed(self.pool, tenant, request, closed: true)
    }
  }

  func reopenPeriod(
    request: Erp_Finance_V1_PeriodRequest,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_Period
  {
    return try await inCallingTenant { tenant in
      try await LedgerSettingsStore.setClosed(self.pool, tenant, request, closed: false)
    }
  }

  func postEntry(
    request: Erp_Finance_V1_PostEntryRequest,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_JournalEntry
  {
    return try await inCallingTenant { tenant in
      try await EntryPosting.post(self.pool, tenant, request)
    }
  }

  func reverseEntry(
    request: Erp_Finance_V1_ReverseEntryRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_JournalEntry
  {
    return try await inCallingTenant { tenant in
      try await EntryReversal.reverse(self.pool, tenant, request)
    }
  }

  func getEntry(
    request: Erp_Finance_V1_GetEntryRequest,
    context: ServerContext
  ) async throws
    -> Erp_Finance_V1_JournalEntry
  {
    return try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { session in
        try await EntryReading.byNumber(session, request.number).entry
      }
    }
  }

  func trialBalance(
    request: Erp_Finance_V1_TrialBalanceRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_TrialBalanceResponse
  {
    let date = try LedgerValues.date(request.asOf, field: "as_of")
    return try await inCallingTenant { tenant in
      try await TrialBalance.asOf(self.pool, tenant, date)
    }
  }
}

extension LedgerAPI {
  func incomeStatement(
    request: Erp_Finance_V1_IncomeStatementRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_IncomeStatementResponse
  {
    return try await inCallingTenant { tenant in
      try await FinancialReports.incomeStatement(self.pool, tenant, request)
    }
  }

  func balanceSheet(
    request: Erp_Finance_V1_BalanceSheetRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_BalanceSheetResponse
  {
    return try await inCallingTenant { tenant in
      try await FinancialReports.balanceSheet(self.pool, tenant, request)
    }
  }

  func generalLedger(
    request: Erp_Finance_V1_GeneralLedgerRequest,
    response: RPCWriter<Erp_Finance_V1_GeneralLedgerPage>,
    context: ServerContext
  ) async throws {
    try await inCallingTenant { tenant in
      try await FinancialReports.generalLedger(self.pool, tenant, request, response)
    }
  }

  func closeFiscalYear(
    request: Erp_Finance_V1_CloseFiscalYearRequest,
    context: ServerContext
  )
    async throws -> Erp_Finance_V1_JournalEntry
  {
    return try await inCallingTenant { tenant in
      try await FinancialReports.closeYear(self.pool, tenant, request)
    }
  }
}

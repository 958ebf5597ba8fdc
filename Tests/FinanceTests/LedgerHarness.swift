import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore

@testable import Finance

typealias Ledger = Erp_Finance_V1_Ledger.Client<ERPTransport.Client>
typealias Billing = Erp_Finance_V1_Billing.Client<ERPTransport.Client>
typealias Banking = Erp_Finance_V1_Banking.Client<ERPTransport.Client>

/// The finance service on production's runner (``InProcessSystem``: the services'
/// authentication, field limits, TenantAdmin), over real TCP on a real PostgreSQL database of its
/// own, for a tenant of the test's own.
enum LedgerHarness {
  /// The same with the `Billing` API as well.
  static func withBilling<T: Sendable>(
    baseCurrency: String = "SAR",
    _ body: @Sendable (Billing, Ledger) async throws -> T
  ) async throws -> T {
    try await self.clients(baseCurrency: baseCurrency) { client, _, _ in
      try await body(Billing(wrapping: client), Ledger(wrapping: client))
    }
  }

  static func run<T: Sendable>(
    baseCurrency: String? = nil,
    _ body: @Sendable (Ledger, ConnectionPool, TenantID) async throws -> T
  ) async throws -> T {
    try await self.clients(baseCurrency: baseCurrency) { client, pool, tenant in
      try await body(Ledger(wrapping: client), pool, tenant)
    }
  }

  /// `body` gets the client, a pool on finance's database (for direct SQL checks) and the tenant.
  static func clients<T: Sendable>(
    baseCurrency: String?,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>, ConnectionPool, TenantID) async throws -> T
  ) async throws -> T {
    var options = InProcessSystem.Options(services: ["finance"]) { _ in
      try await TestDatabase.isolatedConninfo("fin_finance")
    }
    options.poolSize = 20
    return try await InProcessSystem.run(options) { system in
      let tenant = TestDatabase.uniqueTenant("fin")
      return try await system.withTenant(tenant, clients: ["finance"]) { clients in
        let client = clients["finance"]!
        if let baseCurrency {
          var request = Erp_Finance_V1_SetBaseCurrencyRequest()
          request.currencyCode = baseCurrency
          _ = try await Ledger(wrapping: client).setBaseCurrency(request)
        }
        return try await body(client, system["finance"]!.pool, tenant)
      }
    }
  }
}

/// Builders for requests, so tests read like the entries they post.
enum Build {
  static func date(_ year: Int, _ month: Int, _ day: Int) -> Erp_Common_V1_Date {
    var date = Erp_Common_V1_Date()
    date.year = Int32(year)
    date.month = Int32(month)
    date.day = Int32(day)
    return date
  }

  static func debit(
    _ account: String,
    _ units: Int64,
    _ currency: String
  ) -> Erp_Finance_V1_EntryLine {
    var line = Erp_Finance_V1_EntryLine()
    line.accountCode = account
    line.debit = Erp_Common_V1_Money(units, currency)
    return line
  }

  static func credit(
    _ account: String,
    _ units: Int64,
    _ currency: String
  ) -> Erp_Finance_V1_EntryLine {
    var line = Erp_Finance_V1_EntryLine()
    line.accountCode = account
    line.credit = Erp_Common_V1_Money(units, currency)
    return line
  }

  static func entry(
    _ requestID: String,
    on date: Erp_Common_V1_Date = Build.date(2026, 11, 10),
    _ lines: [Erp_Finance_V1_EntryLine]
  ) -> Erp_Finance_V1_PostEntryRequest {
    var request = Erp_Finance_V1_PostEntryRequest()
    request.requestID = requestID
    request.date = date
    request.memo = "test"
    request.lines = lines
    return request
  }

  static func trialBalance(
    _ ledger: Ledger,
    asOf date: Erp_Common_V1_Date = Build.date(2026, 12, 31)
  )
    async throws -> Erp_Finance_V1_TrialBalanceResponse
  {
    var request = Erp_Finance_V1_TrialBalanceRequest()
    request.asOf = date
    return try await ledger.trialBalance(request)
  }
}

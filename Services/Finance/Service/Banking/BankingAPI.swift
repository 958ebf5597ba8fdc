import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Banking` API: each handler checks its request, then runs in the calling tenant.
struct BankingAPI: Erp_Finance_V1_Banking.SimpleServiceProtocol {
  let pool: ConnectionPool

  func createBankAccount(
    request: Erp_Finance_V1_CreateBankAccountRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BankAccount {
    try await inCallingTenant { try await BankAccounts.create(self.pool, $0, request) }
  }

  func listBankAccounts(
    request: Erp_Finance_V1_ListBankAccountsRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_ListBankAccountsResponse {
    var response = Erp_Finance_V1_ListBankAccountsResponse()
    response.bankAccounts = try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { try await BankAccounts.list($0) }
    }
    return response
  }

  func importStatement(
    request: Erp_Finance_V1_ImportStatementRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BankStatement {
    try await inCallingTenant { try await StatementImport.run(self.pool, $0, request) }
  }

  func listStatementLines(
    request: Erp_Finance_V1_ListBankStatementLinesRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_ListBankStatementLinesResponse {
    let code = try Matching.accountCode(request.accountCode)
    var response = Erp_Finance_V1_ListBankStatementLinesResponse()
    response.lines = try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { session in
        let bank = try await BankAccounts.row(session, code: code)
        return try await BankLines.statementLines(
          session,
          bank,
          unmatchedOnly: request.unmatchedOnly
        ).map(\.line)
      }
    }
    return response
  }

  func autoMatch(
    request: Erp_Finance_V1_AutoMatchRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_AutoMatchResponse {
    try await inCallingTenant { try await Matching.auto(self.pool, $0, request) }
  }

  func match(
    request: Erp_Finance_V1_MatchRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BankMatch {
    try await inCallingTenant { try await Matching.manual(self.pool, $0, request) }
  }

  func unmatch(
    request: Erp_Finance_V1_UnmatchRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BankMatch {
    try await inCallingTenant { try await Matching.unmatch(self.pool, $0, request) }
  }

  func postStatementLine(
    request: Erp_Finance_V1_PostStatementLineRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_BankMatch {
    try await inCallingTenant { try await Matching.post(self.pool, $0, request) }
  }

  func getReconciliationReport(
    request: Erp_Finance_V1_ReconciliationReportRequest,
    context: ServerContext
  ) async throws -> Erp_Finance_V1_ReconciliationReport {
    try await inCallingTenant { tenant in
      try await self.pool.withTenant(tenant) { try await Reconciliation.report($0, request) }
    }
  }
}

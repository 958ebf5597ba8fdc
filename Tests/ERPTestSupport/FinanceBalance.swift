public import ERPProtos
public import ERPTransport
import GRPCCore

/// The balance of the finance account holding `role` (debit positive, in base minor units) on
/// `asOf`, from the trial balance: how a test of a service that posts to finance checks what
/// arrived there. Zero when the account has no postings.
public func financeBalance(
  _ ledger: Erp_Finance_V1_Ledger.Client<ERPTransport.Client>,
  role: String,
  asOf: Erp_Common_V1_Date
) async throws -> Int64 {
  let accounts = try await ledger.listAccounts(Erp_Finance_V1_ListAccountsRequest())
  guard let code = accounts.accounts.first(where: { $0.role == role })?.code else { return 0 }
  var request = Erp_Finance_V1_TrialBalanceRequest()
  request.asOf = asOf
  let trial = try await ledger.trialBalance(request)
  guard let line = trial.lines.first(where: { $0.accountCode == code }) else { return 0 }
  return line.debitMinor - line.creditMinor
}

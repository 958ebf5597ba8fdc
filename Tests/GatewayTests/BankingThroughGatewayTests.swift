import ERPProtos
import ERPRuntime
import ERPTestSupport
import GRPCCore
import Testing

/// Finance's Banking service reaches partners through the gateway like every catalog service:
/// a key with finance:write creates a bank account and reads it back, with Arabic intact; a
/// key with finance:read only reads and is refused the write.
@Suite("Gateway: finance banking for partners")
struct BankingThroughGatewayTests {
  @Test("A partner creates and lists bank accounts and reads the reconciliation report")
  func partnerBanking() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwbank")
      let writer = try await gateway.key(tenant, scopes: ["finance:write"]).secret
      let reader = try await gateway.key(tenant, scopes: ["finance:read"]).secret
      let banking = Erp_Finance_V1_Banking.Client(wrapping: gateway.client)
      var account = Erp_Finance_V1_CreateBankAccountRequest()
      account.requestID = "partner-bank-1"
      account.accountCode = "1100"
      account.name = "البنك الأهلي السعودي"
      account.iban = "SA0380000000608010167519"
      account.currencyCode = "SAR"
      _ = try await banking.createBankAccount(account, metadata: GatewayHarness.partner(writer))
      let listed = try await banking.listBankAccounts(
        .init(),
        metadata: GatewayHarness.partner(reader)
      )
      #expect(listed.bankAccounts.map(\.name) == ["البنك الأهلي السعودي"])
      var report = Erp_Finance_V1_ReconciliationReportRequest()
      report.accountCode = "1100"
      let empty = try await banking.getReconciliationReport(
        report,
        metadata: GatewayHarness.partner(reader)
      )
      #expect(empty.difference.unitsMinor == 0 && empty.unreconciledStatementLines.isEmpty)
      account.requestID = "partner-bank-2"
      let refused = await #expect(throws: RPCError.self) {
        _ = try await banking.createBankAccount(account, metadata: GatewayHarness.partner(reader))
      }
      #expect(refused?.code == .permissionDenied)
    }
  }
}

import ERPProtos
import GRPCCore
import Testing

@Suite("Finance: chart of accounts")
struct AccountTests {
  @Test("a provisioned tenant has the default chart with its roles")
  func defaultChart() async throws {
    try await LedgerHarness.run { ledger, _, _ in
      let accounts = try await ledger.listAccounts(.init()).accounts
      #expect(accounts.count == 26)
      let roles = Set(accounts.map(\.role))
      for role in [
        "cash", "accounts_receivable", "inventory", "vat_receivable", "accounts_payable",
        "vat_payable", "payroll_payable", "retained_earnings", "sales_revenue",
        "cost_of_goods_sold", "salaries", "rounding", "fx_gain", "fx_loss", "gosi_payable",
        "gosi_expense", "fx_unrealised_gain", "fx_unrealised_loss",
      ] {
        #expect(roles.contains(role), "missing \(role)")
      }
      #expect(accounts.first { $0.code == "1200" }?.parentCode == "1000")
      #expect(accounts.map(\.code) == accounts.map(\.code).sorted())
    }
  }

  @Test("create, rename in Arabic, deactivate; duplicates and bad input are refused by field")
  func lifecycle() async throws {
    try await LedgerHarness.run { ledger, _, _ in
      var create = Erp_Finance_V1_CreateAccountRequest()
      create.code = "1110"
      create.name = "Petty cash"
      create.type = .asset
      create.parentCode = "1000"
      create.requestID = "account-1110"
      let created = try await ledger.createAccount(create)
      #expect(created.parentCode == "1000")
      #expect(created.active)

      var another = create
      another.requestID = "account-1110-again"
      let duplicate = await #expect(throws: RPCError.self) {
        try await ledger.createAccount(another)
      }
      #expect(duplicate?.code == .alreadyExists)
      #expect(duplicate?.message.contains("code") == true)

      var bad = create
      bad.code = "11'10"
      let badCode = await #expect(throws: RPCError.self) { try await ledger.createAccount(bad) }
      #expect(badCode?.code == .invalidArgument)
      #expect(badCode?.message.hasPrefix("code:") == true)

      bad = create
      bad.code = "1120"
      bad.parentCode = "4000"
      bad.requestID = "account-1120"
      let wrongParent = await #expect(throws: RPCError.self) { try await ledger.createAccount(bad) }
      #expect(wrongParent?.message.hasPrefix("parent_code:") == true)

      var rename = Erp_Finance_V1_RenameAccountRequest()
      rename.code = "1110"
      rename.name = "الصندوق النثري"
      let renamed = try await ledger.renameAccount(rename)
      #expect(renamed.name == "الصندوق النثري")

      var deactivate = Erp_Finance_V1_DeactivateAccountRequest()
      deactivate.code = "1110"
      #expect(try await ledger.deactivateAccount(deactivate).active == false)
      let active = try await ledger.listAccounts(.init()).accounts.map(\.code)
      #expect(!active.contains("1110"))
      var all = Erp_Finance_V1_ListAccountsRequest()
      all.includeInactive = true
      let listed = try await ledger.listAccounts(all).accounts
      #expect(listed.first { $0.code == "1110" }?.name == "الصندوق النثري")

      deactivate.code = "1200"
      let roleAccount = await #expect(throws: RPCError.self) {
        try await ledger.deactivateAccount(deactivate)
      }
      #expect(roleAccount?.code == .failedPrecondition)
      #expect(roleAccount?.message.contains("accounts_receivable") == true)
    }
  }
}

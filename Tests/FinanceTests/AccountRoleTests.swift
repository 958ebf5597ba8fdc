import ERPProtos
import ERPStore
import GRPCCore
import Testing

@Suite("Accounts named by role")
struct AccountRoleTests {
  static func byRole(_ role: String, debit: Bool, _ units: Int64) -> Erp_Finance_V1_EntryLine {
    var line = debit ? Build.debit("", units, "SAR") : Build.credit("", units, "SAR")
    line.accountRole = role
    return line
  }

  /// A role is resolved in the posting's transaction; the fingerprint keeps the role, so the
  /// same request after the chart moved the role elsewhere is a repeat, answered with the
  /// entry first posted (on the account the role had then).
  @Test("An entry by role posts to the role's account; a repeat after a chart change is the same")
  func entryByRole() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, pool, tenant in
      let request = Build.entry(
        "by-role-1",
        [
          Self.byRole("cash", debit: true, 10_00),
          Self.byRole("share_capital", debit: false, 10_00),
        ]
      )
      let first = try await ledger.postEntry(request)
      #expect(first.lines.map(\.accountCode).sorted() == ["1100", "3100"])
      try await pool.withTenant(tenant) { session in
        try await session.query(
          "UPDATE account SET active = active, role = NULL WHERE role = 'cash'"
        )
        try await session.query(
          "INSERT INTO account (code, name, type, role, parent_id) "
            + "SELECT '1110', 'بنك', 'asset', 'cash', id FROM account WHERE code = '1000'"
        )
      }
      let again = try await ledger.postEntry(request)
      #expect(again.number == first.number)
      #expect(again.lines.map(\.accountCode).sorted() == ["1100", "3100"])
      let next = try await ledger.postEntry(
        Build.entry(
          "by-role-2",
          [
            Self.byRole("cash", debit: true, 5_00),
            Self.byRole("share_capital", debit: false, 5_00),
          ]
        )
      )
      #expect(next.lines.map(\.accountCode).sorted() == ["1110", "3100"])
    }
  }

  @Test("A role no account has is FAILED_PRECONDITION naming the line")
  func unknownRole() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      let request = Build.entry(
        "by-role-3",
        [Self.byRole("cash", debit: true, 10_00), Self.byRole("no_such_role", debit: false, 10_00)]
      )
      let error = await #expect(throws: RPCError.self) { _ = try await ledger.postEntry(request) }
      #expect(error?.code == .failedPrecondition)
      #expect(error?.message.hasPrefix("lines[1].account_role:") == true)
    }
  }

  @Test("A supplier bill line by role is booked to the role's account")
  func billLineByRole() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      var bill = Erp_Finance_V1_IssueInvoiceRequest()
      bill.requestID = "bill-by-role"
      bill.direction = .payable
      bill.partyID = "SUP-1"
      bill.partyName = "المورد"
      bill.currencyCode = "SAR"
      bill.issueDate = Build.date(2026, 11, 10)
      bill.dueDate = Build.date(2026, 12, 10)
      var line = Erp_Finance_V1_InvoiceLine()
      line.description_p = "بضاعة"
      line.quantityMilli = 1_000
      line.unitPriceMinor = 100_00
      line.taxCode = "STD"
      line.accountRole = "inventory"
      bill.lines = [line]
      let issued = try await billing.issueInvoice(bill)
      #expect(issued.lines.map(\.accountCode) == ["1300"])
    }
  }
}

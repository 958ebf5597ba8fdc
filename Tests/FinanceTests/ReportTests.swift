import ERPProtos
import GRPCCore
import Testing

@Suite("Finance: statements that agree with each other")
struct ReportTests {
  /// Capital in January, sales in February and March, salaries in March.
  static func postYear(_ ledger: Ledger) async throws {
    let entries: [(String, Erp_Common_V1_Date, [Erp_Finance_V1_EntryLine])] = [
      (
        "capital", Build.date(2026, 1, 5),
        [Build.debit("1100", 1_000_00, "SAR"), Build.credit("3100", 1_000_00, "SAR")]
      ),
      (
        "sale-feb", Build.date(2026, 2, 20),
        [
          Build.debit("1200", 460_00, "SAR"), Build.credit("4100", 400_00, "SAR"),
          Build.credit("2200", 60_00, "SAR"),
        ]
      ),
      (
        "sale-mar", Build.date(2026, 3, 3),
        [
          Build.debit("1100", 230_00, "SAR"), Build.credit("4100", 200_00, "SAR"),
          Build.credit("2200", 30_00, "SAR"),
        ]
      ),
      (
        "salary-mar", Build.date(2026, 3, 28),
        [Build.debit("5200", 350_00, "SAR"), Build.credit("1100", 350_00, "SAR")]
      ),
    ]
    for (id, date, lines) in entries {
      _ = try await ledger.postEntry(Build.entry(id, on: date, lines))
    }
  }

  @Test("income statement, balance sheet and year-end close agree")
  func statementsAgree() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      try await Self.postYear(ledger)
      var income = Erp_Finance_V1_IncomeStatementRequest()
      income.from = Build.date(2026, 1, 1)
      income.to = Build.date(2026, 12, 31)
      let statement = try await ledger.incomeStatement(income)
      #expect(statement.totalRevenueMinor == 600_00)
      #expect(statement.totalExpensesMinor == 350_00)
      #expect(statement.netIncomeMinor == 250_00)

      // A range cutting through months reads lines for the cut months.
      income.from = Build.date(2026, 2, 21)
      income.to = Build.date(2026, 3, 27)
      let partial = try await ledger.incomeStatement(income)
      #expect(partial.totalRevenueMinor == 200_00)
      #expect(partial.totalExpensesMinor == 0)

      var sheet = Erp_Finance_V1_BalanceSheetRequest()
      sheet.asOf = Build.date(2026, 12, 31)
      let before = try await ledger.balanceSheet(sheet)
      #expect(before.totalAssetsMinor == 1_340_00)
      #expect(before.totalAssetsMinor == before.totalLiabilitiesAndEquityMinor)
      #expect(before.unclosedEarningsMinor == 250_00)

      var close = Erp_Finance_V1_CloseFiscalYearRequest()
      close.year = 2026
      let closing = try await ledger.closeFiscalYear(close)
      #expect(try await ledger.closeFiscalYear(close).number == closing.number)
      let after = try await ledger.balanceSheet(sheet)
      #expect(after.unclosedEarningsMinor == 0)
      #expect(after.totalAssetsMinor == after.totalLiabilitiesAndEquityMinor)
      let retained = after.equity.first { $0.accountCode == "3200" }?.amountMinor ?? 0
      let retainedBefore = before.equity.first { $0.accountCode == "3200" }?.amountMinor ?? 0
      #expect(retained - retainedBefore == statement.netIncomeMinor)
      // The close is not itself income.
      income.from = Build.date(2026, 1, 1)
      income.to = Build.date(2026, 12, 31)
      #expect(try await ledger.incomeStatement(income).netIncomeMinor == 250_00)
      let trial = try await Build.trialBalance(ledger)
      #expect(trial.lines.allSatisfy { $0.type != .revenue && $0.type != .expense })
    }
  }

  @Test("the general ledger streams long accounts in pages with a running balance")
  func generalLedger() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      _ = try await ledger.postEntry(
        Build.entry(
          "open",
          on: Build.date(2026, 4, 30),
          [Build.debit("1100", 10_000, "SAR"), Build.credit("3100", 10_000, "SAR")]
        )
      )
      try await withThrowingTaskGroup(of: Void.self) { group in
        for lane in 0..<4 {
          group.addTask {
            for index in stride(from: lane, to: 620, by: 4) {
              _ = try await ledger.postEntry(
                Build.entry(
                  "cash-\(index)",
                  on: Build.date(2026, 5, index % 28 + 1),
                  [Build.debit("1100", 100, "SAR"), Build.credit("4100", 100, "SAR")]
                )
              )
            }
          }
        }
        try await group.waitForAll()
      }
      var request = Erp_Finance_V1_GeneralLedgerRequest()
      request.accountCode = "1100"
      request.from = Build.date(2026, 5, 1)
      request.to = Build.date(2026, 5, 31)
      let pages = try await ledger.generalLedger(request) { response in
        var pages: [Erp_Finance_V1_GeneralLedgerPage] = []
        for try await page in response.messages { pages.append(page) }
        return pages
      }
      #expect(pages.map(\.lines.count) == [500, 120])
      #expect(pages[0].openingBalanceMinor == 10_000)
      let lines = pages.flatMap(\.lines)
      let closing: Int64 = 10_000 + 620 * 100
      #expect(lines.last?.balanceMinor == closing)
      #expect(lines.first?.balanceMinor == 10_100)
      #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.balanceMinor + 100 == $1.balanceMinor })
      #expect(
        zip(lines, lines.dropFirst()).allSatisfy {
          ($0.date.day, $0.entryNumber) <= ($1.date.day, $1.entryNumber)
            || $0.date.day < $1.date.day
        }
      )

      request.accountCode = "nope"
      let missing = await #expect(throws: RPCError.self) {
        try await ledger.generalLedger(request) { response in
          for try await _ in response.messages {}
        }
      }
      #expect(missing?.code == .notFound)
    }
  }
}

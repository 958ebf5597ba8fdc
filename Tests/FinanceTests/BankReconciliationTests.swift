import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@testable import Finance

/// Bank reconciliation end to end over the real API: a 200-line statement (CSV and camt.053)
/// imported twice, matched automatically, by hand (splits both ways, an unmatch) and by posting
/// its bank charges, until nothing is unreconciled; the report adds up at every step.
@Suite("Finance: bank reconciliation")
struct BankReconciliationTests {
  enum Format: String, CaseIterable, Sendable { case csv, camt053 }

  static func importRequest(
    _ format: Format,
    _ requestID: String
  )
    -> Erp_Finance_V1_ImportStatementRequest
  {
    var request = Erp_Finance_V1_ImportStatementRequest()
    request.requestID = requestID
    request.accountCode = "1100"
    switch format {
    case .csv:
      request.format = .csv
      request.statementText = BankStatementFixture.csv
      request.csvProfile = BankStatementFixture.csvProfile
    case .camt053:
      request.format = .camt053
      request.statementText = BankStatementFixture.camt053
    }
    return request
  }

  static func setUp(_ banking: Banking, _ ledger: Ledger) async throws {
    var charges = Erp_Finance_V1_CreateAccountRequest()
    charges.requestID = "bank-charges-account"
    charges.code = "5400"
    charges.name = "رسوم بنكية"
    charges.type = .expense
    charges.parentCode = "5000"
    _ = try await ledger.createAccount(charges)
    var account = Erp_Finance_V1_CreateBankAccountRequest()
    account.requestID = "bank-1"
    account.accountCode = "1100"
    account.name = "مصرف الراجحي الجاري"
    account.iban = "SA03 8000 0000 6080 1016 7519"
    account.currencyCode = "SAR"
    let created = try await banking.createBankAccount(account)
    #expect(created.iban == BankStatementFixture.iban)
    for (requestID, day, amount, memo) in BankStatementFixture.bookEntries {
      let other = amount > 0 ? (day == 0 ? "3100" : "4100") : "5200"
      var entry = Build.entry(
        requestID,
        on: BankStatementFixture.date(day),
        amount > 0
          ? [Build.debit("1100", amount, "SAR"), Build.credit(other, amount, "SAR")]
          : [Build.debit(other, -amount, "SAR"), Build.credit("1100", -amount, "SAR")]
      )
      entry.memo = memo
      _ = try await ledger.postEntry(entry)
    }
  }

  static func report(_ banking: Banking) async throws -> Erp_Finance_V1_ReconciliationReport {
    var request = Erp_Finance_V1_ReconciliationReportRequest()
    request.accountCode = "1100"
    let report = try await banking.getReconciliationReport(request)
    // The identity, recomputed here from the items listed, not only the server's difference.
    let statementItems = report.unreconciledStatementLines.reduce(0) { $0 + $1.amount.unitsMinor }
    let bookItems = report.unreconciledBookItems.reduce(0) { $0 + $1.amount.unitsMinor }
    #expect(statementItems == report.unreconciledStatementTotal.unitsMinor)
    #expect(bookItems == report.unreconciledBookTotal.unitsMinor)
    #expect(
      report.bookBalance.unitsMinor + statementItems - bookItems
        == report.statementBalance.unitsMinor
    )
    #expect(report.difference.unitsMinor == 0)
    return report
  }

  @Test(
    "200 lines reconciled automatically and by hand to zero; twice imported, no change",
    arguments: Format.allCases
  )
  func reconcileStatement(format: Format) async throws {
    try await LedgerHarness.clients(baseCurrency: "SAR") { client, _, _ in
      let banking = Banking(wrapping: client)
      let ledger = Ledger(wrapping: client)
      try await Self.setUp(banking, ledger)

      let first = try await banking.importStatement(Self.importRequest(format, "import-1"))
      #expect(first.lineCount == 200)
      #expect(first.linesAdded == 201)  // with the opening balance's line
      #expect(first.openingBalance.unitsMinor == BankStatementFixture.opening)
      #expect(first.closingBalance.unitsMinor == BankStatementFixture.closing)
      if format == .camt053 { #expect(first.statementID == "STMT-2026-11") }
      let again = try await banking.importStatement(Self.importRequest(format, "import-2"))
      #expect(again.linesAdded == 0)
      #expect(again.statementID == first.statementID)

      var list = Erp_Finance_V1_ListBankStatementLinesRequest()
      list.accountCode = "1100"
      let lines = try await banking.listStatementLines(list).lines
      #expect(lines.count == 201)
      // Arabic descriptions come back exactly as the bank wrote them.
      let byDescription = Set(lines.map(\.description_p))
      for line in BankStatementFixture.lines {
        #expect(byDescription.contains(line.description))
      }
      #expect(
        try await Self.report(banking).statementBalance.unitsMinor == BankStatementFixture.closing
      )

      var auto = Erp_Finance_V1_AutoMatchRequest()
      auto.requestID = "auto-1"
      auto.accountCode = "1100"
      let matched = try await banking.autoMatch(auto)
      #expect(matched.matches.count == 1 + 170 + 15)
      let byReference = try #require(matched.matches.first { $0.reason.contains("REF-7\"") })
      #expect(byReference.confidence >= 90)
      #expect(matched.matches.allSatisfy { $0.confidence >= 50 && $0.kind == "auto" })
      #expect(try await banking.autoMatch(auto) == matched)  // a repeat answers the same

      let midway = try await Self.report(banking)
      #expect(midway.unreconciledStatementLines.count == 5 + 6 + 4)
      #expect(midway.unreconciledBookItems.count == 5 * 2 + 3)

      // Splits: one line to two entries, two lines to one entry.
      let byIndex = Dictionary(
        uniqueKeysWithValues: midway.unreconciledStatementLines.map { line in
          (BankStatementFixture.lines.first { $0.description == line.description_p }!.index, line)
        }
      )
      func book(_ memoAmount: Int64) -> Erp_Finance_V1_BookLineRef {
        let item = midway.unreconciledBookItems.first { $0.amount.unitsMinor == memoAmount }!
        var ref = Erp_Finance_V1_BookLineRef()
        ref.entryNumber = item.entryNumber
        ref.lineNo = item.lineNo
        return ref
      }
      let entries = BankStatementFixture.bookEntries
      // A match whose sides differ is refused with both figures.
      var wrong = Erp_Finance_V1_MatchRequest()
      wrong.requestID = "match-wrong"
      wrong.accountCode = "1100"
      wrong.statementLineIds = [byIndex[196]!.id]
      wrong.bookLines = [book(entries.first { $0.0 == "book-186-a" }!.2)]
      let refused = await #expect(throws: RPCError.self) { _ = try await banking.match(wrong) }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message.contains("the statement lines add up to") == true)

      for index in 185..<196 where index < 190 || index % 2 == 0 {
        var match = Erp_Finance_V1_MatchRequest()
        match.requestID = "match-\(index)"
        match.accountCode = "1100"
        if index < 190 {
          match.statementLineIds = [byIndex[index]!.id]
          match.bookLines = entries.filter { $0.0.hasPrefix("book-\(index)-") }.map { book($0.2) }
        } else {
          match.statementLineIds = [byIndex[index]!.id, byIndex[index + 1]!.id]
          match.bookLines = [book(entries.first { $0.0 == "book-\(index)-pair" }!.2)]
        }
        let made = try await banking.match(match)
        #expect(made.kind == "manual")
        if index == 185 {
          // Undone and done again: the lines are free in between.
          var undo = Erp_Finance_V1_UnmatchRequest()
          undo.requestID = "unmatch-185"
          undo.matchID = made.id
          #expect(try await banking.unmatch(undo).unmatched)
          #expect(try await Self.report(banking).unreconciledStatementLines.count == 15)
          match.requestID = "match-185-again"
          _ = try await banking.match(match)
        }
      }
      // The bank charges: an entry each, debit 5400 credit the bank, matched at once.
      for index in BankStatementFixture.charges {
        var post = Erp_Finance_V1_PostStatementLineRequest()
        post.requestID = "charge-\(index)"
        post.statementLineID = byIndex[index]!.id
        post.counterAccountCode = "5400"
        let posted = try await banking.postStatementLine(post)
        #expect(posted.kind == "posted" && !posted.journalEntry.isEmpty)
      }

      let done = try await Self.report(banking)
      #expect(done.unreconciledStatementLines.isEmpty)
      #expect(done.unreconciledBookItems.isEmpty)
      #expect(done.bookBalance == done.statementBalance)
      #expect(done.statementBalance.unitsMinor == BankStatementFixture.closing)

      let trial = try await Build.trialBalance(ledger)
      #expect(trial.totalDebitMinor == trial.totalCreditMinor)
      let chargesLine = try #require(trial.lines.first { $0.accountCode == "5400" })
      #expect(
        chargesLine.debitMinor - chargesLine.creditMinor
          == -BankStatementFixture.charges.reduce(0) { $0 + BankStatementFixture.lines[$1].amount }
      )

      // A third import after all that still changes nothing.
      let third = try await banking.importStatement(Self.importRequest(format, "import-3"))
      #expect(third.linesAdded == 0)
      #expect(try await Self.report(banking) == done)
    }
  }

  @Test("Bad IBAN, unknown column, malformed XML and bad amounts are INVALID_ARGUMENT naming them")
  func badInput() async throws {
    try await LedgerHarness.clients(baseCurrency: "SAR") { client, _, _ in
      let banking = Banking(wrapping: client)
      func refusal(_ body: () async throws -> Void) async -> RPCError? {
        await #expect(throws: RPCError.self) { try await body() }
      }
      var account = Erp_Finance_V1_CreateBankAccountRequest()
      account.requestID = "bad-iban"
      account.accountCode = "1100"
      account.name = "bank"
      account.currencyCode = "SAR"
      for (iban, words) in [
        ("SA0480000000608010167519", "check digits"), ("SA038000000060801016751", "24 characters"),
        ("ZZ0380000000608010167519", "country"),
      ] {
        account.iban = iban
        let error = await refusal { _ = try await banking.createBankAccount(account) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix("iban: ") == true)
        #expect(error?.message.contains(words) == true)
        #expect(error?.message.contains(iban) == false)
      }
      account.requestID = "good-iban"
      account.iban = BankStatementFixture.iban
      _ = try await banking.createBankAccount(account)

      var unknown = BankReconciliationTests.importRequest(.csv, "unknown-column")
      unknown.csvProfile.amountColumn = "Betrag"
      let column = await refusal { _ = try await banking.importStatement(unknown) }
      #expect(column?.code == .invalidArgument)
      #expect(column?.message.hasPrefix("csv_profile.amount_column: no column \"Betrag\"") == true)

      var badAmount = BankReconciliationTests.importRequest(.csv, "bad-amount")
      badAmount.statementText = badAmount.statementText.replacingOccurrences(
        of: BankStatementFixture.european(BankStatementFixture.lines[1].amount) + ";",
        with: "12,345x;"
      )
      let amount = await refusal { _ = try await banking.importStatement(badAmount) }
      #expect(amount?.code == .invalidArgument)
      #expect(amount?.message.hasPrefix("statement_text: line 3: Amount \"12,345x\"") == true)

      var malformed = BankReconciliationTests.importRequest(.camt053, "malformed")
      malformed.statementText = "<Document>\n<BkToCstmrStmt>\n<Stmt>\n<Ntry <Amt>\n</Stmt>"
      let xml = await refusal { _ = try await banking.importStatement(malformed) }
      #expect(xml?.code == .invalidArgument)
      #expect(
        xml?.message.hasPrefix("statement_text: line 4: malformed XML") == true,
        "\(xml?.message ?? "")"
      )

      var entity = BankReconciliationTests.importRequest(.camt053, "entity")
      entity.statementText = "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY a \"x\">]><d>&a;</d>"
      let dtd = await refusal { _ = try await banking.importStatement(entity) }
      #expect(dtd?.code == .invalidArgument)
      #expect(dtd?.message.contains("DTD") == true)
    }
  }
}

@Suite("Finance: bank reconciliation parts")
struct BankReconciliationPartsTests {
  @Test("IBANs of several countries pass ISO 13616 mod 97; altered ones fail")
  func ibans() throws {
    for iban in [
      "SA0380000000608010167519", "GB82WEST12345698765432", "AE070331234567890123456",
      "KW81CBKU0000000000001234560101", "DE89370400440532013000",
    ] {
      #expect(try IBAN.checked(iban) == iban)
      #expect(IBAN.remainder(iban) == 1)
    }
    #expect(try IBAN.checked("gb82 west 1234 5698 7654 32") == "GB82WEST12345698765432")
    #expect(throws: RPCError.self) { try IBAN.checked("GB82WEST12345698765433") }
  }

  @Test("Amounts read exactly into minor units by the currency's exponent")
  func amounts() {
    let sar = Currency(code: "SAR")!
    let kwd = Currency(code: "KWD")!
    let jpy = Currency(code: "JPY")!
    #expect(StatementValues.minorUnits("1,234.56", currency: sar) == 123_456)
    #expect(StatementValues.minorUnits("-1.234,5", currency: sar, decimal: ",") == -123_450)
    #expect(StatementValues.minorUnits("0.125", currency: kwd) == 125)
    #expect(StatementValues.minorUnits("1500", currency: jpy) == 1500)
    #expect(StatementValues.minorUnits("1.5", currency: jpy) == nil)
    #expect(StatementValues.minorUnits("0.001", currency: sar) == nil)
    #expect(StatementValues.minorUnits("12x", currency: sar) == nil)
    #expect(StatementValues.minorUnits("99999999999999999999", currency: sar) == nil)
    #expect(
      StatementValues.date("03/11/2026", pattern: "dd/MM/yyyy")
        == CalendarDate(year: 2026, month: 11, day: 3)
    )
    #expect(StatementValues.date("31/02/2026", pattern: "dd/MM/yyyy") == nil)
    #expect(
      StatementValues.dayNumber(CalendarDate(year: 2026, month: 11, day: 1))
        - StatementValues.dayNumber(CalendarDate(year: 2026, month: 10, day: 31)) == 1
    )
  }

  @Test("Equal amounts without a reference are left for a person; a reference decides")
  func ambiguity() {
    let sar = Currency(code: "SAR")!
    let statement: [AutoMatching.Side] = [
      .init(day: 10, amount: 500_00, tokens: []),
      .init(day: 11, amount: 500_00, tokens: ["INV-0042"]),
    ]
    let book: [AutoMatching.Side] = [
      .init(day: 10, amount: 500_00, tokens: []),
      .init(day: 12, amount: 500_00, tokens: ["INV-0042"]),
    ]
    let proposals = AutoMatching.propose(
      statement: statement,
      book: book,
      window: 3,
      minimum: 50,
      currency: sar
    )
    #expect(proposals.count == 1)
    #expect(proposals.first?.statement == 1 && proposals.first?.book == 1)
    #expect(proposals.first?.confidence == 90 + 10 * 3 / 4)
    #expect(proposals.first?.reason.contains("INV-0042") == true)
  }
}

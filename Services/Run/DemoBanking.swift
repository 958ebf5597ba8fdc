import ERPProtos
import ERPRuntime
import ERPTransport
import GRPCCore

/// The demo tenant's bank: the cash account 1100 as an Al Rajhi current account, and the
/// bank's camt.053 statement from 1 November 2026 on, imported and fully reconciled. The bank
/// reports what the demo booked on 1100 (the capital as its opening balance, the customers'
/// transfers), plus 25.00 of account charges on 30 November the books do not know yet. The
/// transfers are matched automatically, the opening balance by hand with the entries before
/// November, the charges posted to 5400 Bank charges in one step. Seeded after every other
/// domain; fixed request ids, and importing only while the account has no statement, make a
/// second `make run` change nothing.
extension DemoData {
  static let demoIBAN = "SA0380000000608010167519"

  static func seedBanking(_ client: GRPCClient<ERPTransport.Client>) async throws {
    let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
    let banking = Erp_Finance_V1_Banking.Client(wrapping: client)
    var charges = Erp_Finance_V1_CreateAccountRequest()
    charges.requestID = "demo-account-5400"
    charges.code = "5400"
    charges.name = "رسوم بنكية"
    charges.type = .expense
    charges.parentCode = "5000"
    _ = try await ledger.createAccount(charges)

    var account = Erp_Finance_V1_CreateBankAccountRequest()
    account.requestID = "demo-bank-1100"
    account.accountCode = "1100"
    account.name = "مصرف الراجحي - الحساب الجاري"
    account.iban = Self.demoIBAN
    account.currencyCode = "SAR"
    _ = try await banking.createBankAccount(account)

    var reportRequest = Erp_Finance_V1_ReconciliationReportRequest()
    reportRequest.accountCode = "1100"
    var list = Erp_Finance_V1_ListBankStatementLinesRequest()
    list.accountCode = "1100"
    if try await banking.listStatementLines(list).lines.isEmpty {
      let books = try await banking.getReconciliationReport(reportRequest).unreconciledBookItems
      var statement = Erp_Finance_V1_ImportStatementRequest()
      statement.requestID = "demo-statement-2026-11"
      statement.accountCode = "1100"
      statement.format = .camt053
      statement.statementText = Self.demoStatement(books)
      _ = try await banking.importStatement(statement)
    }

    var auto = Erp_Finance_V1_AutoMatchRequest()
    auto.requestID = "demo-auto-match-2026-11"
    auto.accountCode = "1100"
    _ = try await banking.autoMatch(auto)

    let report = try await banking.getReconciliationReport(reportRequest)
    for line in report.unreconciledStatementLines {
      if line.reference == "OPBD" {
        var match = Erp_Finance_V1_MatchRequest()
        match.requestID = "demo-match-opening"
        match.accountCode = "1100"
        match.statementLineIds = [line.id]
        match.bookLines = report.unreconciledBookItems.filter(Self.beforeNovember).map { item in
          var ref = Erp_Finance_V1_BookLineRef()
          ref.entryNumber = item.entryNumber
          ref.lineNo = item.lineNo
          return ref
        }
        _ = try await banking.match(match)
      } else if line.amount.unitsMinor < 0 {
        var post = Erp_Finance_V1_PostStatementLineRequest()
        post.requestID = "demo-post-\(line.id)"
        post.statementLineID = line.id
        post.counterAccountCode = "5400"
        _ = try await banking.postStatementLine(post)
      }
    }
  }

  static func beforeNovember(_ item: Erp_Finance_V1_BookItem) -> Bool {
    (item.date.year, item.date.month) < (2026, 11)
  }

  static func amount(_ minor: Int64) -> String {
    let cents = minor.magnitude % 100
    return "\(minor.magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
  }

  static func day(_ date: Erp_Common_V1_Date) -> String {
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(date.year)-\(two(date.month))-\(two(date.day))"
  }

  /// The bank's statement of what the books hold on 1100 (entries before November as the
  /// opening balance), with the month's charges of 25.00 added.
  static func demoStatement(_ books: [Erp_Finance_V1_BookItem]) -> String {
    let opening = books.filter(Self.beforeNovember).reduce(Int64(0)) { $0 + $1.amount.unitsMinor }
    var entries: [(String, Int64, String, String)] = books.filter { !Self.beforeNovember($0) }
      .map { item in
        (
          Self.day(item.date), item.amount.unitsMinor,
          "RJHI-\(item.entryNumber)-\(item.lineNo)", "تحويل من عميل"
        )
      }
    entries.append(("2026-11-30", -25_00, "RJHI-20261130-FEES", "رسوم الحساب الشهرية"))
    let closing = entries.reduce(opening) { $0 + $1.1 }
    func balance(_ code: String, _ minor: Int64) -> String {
      "<Bal><Tp><CdOrPrtry><Cd>\(code)</Cd></CdOrPrtry></Tp><Amt Ccy=\"SAR\">"
        + "\(Self.amount(minor))</Amt><CdtDbtInd>\(minor < 0 ? "DBIT" : "CRDT")</CdtDbtInd>"
        + "</Bal>\n"
    }
    var text = """
      <?xml version="1.0" encoding="UTF-8"?>
      <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
      <BkToCstmrStmt><Stmt><Id>DEMO-STMT-2026-11</Id>
      <Acct><Id><IBAN>\(Self.demoIBAN)</IBAN></Id><Ccy>SAR</Ccy></Acct>

      """
    text += balance("OPBD", opening) + balance("CLBD", closing)
    for (date, minor, reference, description) in entries {
      text += "<Ntry><Amt Ccy=\"SAR\">\(Self.amount(minor))</Amt>"
      text += "<CdtDbtInd>\(minor < 0 ? "DBIT" : "CRDT")</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
      text += "<BookgDt><Dt>\(date)</Dt></BookgDt><AcctSvcrRef>\(reference)</AcctSvcrRef>"
      text += "<AddtlNtryInf>\(description)</AddtlNtryInf></Ntry>\n"
    }
    return text + "</Stmt></BkToCstmrStmt></Document>\n"
  }
}

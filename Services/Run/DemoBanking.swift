import ERPProtos
import ERPRuntime
import ERPTransport
import GRPCCore

/// The demo tenant's bank: the cash account 1100 as an Al Rajhi current account, November's
/// camt.053 statement (the capital as its opening balance, the customer's transfer, the bank's
/// charges) imported and fully reconciled: the transfer matched automatically, the opening
/// balance by hand with the capital entry, the charges posted to 5400 Bank charges in one step.
/// Fixed request ids and checks of what is left make a second `make run` change nothing.
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

    var statement = Erp_Finance_V1_ImportStatementRequest()
    statement.requestID = "demo-statement-2026-11"
    statement.accountCode = "1100"
    statement.format = .camt053
    statement.statementText = Self.demoStatement
    _ = try await banking.importStatement(statement)

    var auto = Erp_Finance_V1_AutoMatchRequest()
    auto.requestID = "demo-auto-match-2026-11"
    auto.accountCode = "1100"
    _ = try await banking.autoMatch(auto)

    var reportRequest = Erp_Finance_V1_ReconciliationReportRequest()
    reportRequest.accountCode = "1100"
    let report = try await banking.getReconciliationReport(reportRequest)
    for line in report.unreconciledStatementLines {
      if let item = report.unreconciledBookItems.first(where: { $0.amount == line.amount }) {
        var match = Erp_Finance_V1_MatchRequest()
        match.requestID = "demo-match-\(line.id)"
        match.accountCode = "1100"
        match.statementLineIds = [line.id]
        var ref = Erp_Finance_V1_BookLineRef()
        ref.entryNumber = item.entryNumber
        ref.lineNo = item.lineNo
        match.bookLines = [ref]
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

  /// November 2026 as the bank sends it: opening 500,000.00 (the capital), the customer's
  /// 4,000.00 transfer on the 15th, 25.00 of charges at month end, closing 503,975.00.
  static let demoStatement = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
      <BkToCstmrStmt>
        <GrpHdr><MsgId>DEMO-2026-11</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>
        <Stmt>
          <Id>DEMO-STMT-2026-11</Id>
          <Acct><Id><IBAN>\(demoIBAN)</IBAN></Id><Ccy>SAR</Ccy></Acct>
          <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp>
            <Amt Ccy="SAR">500000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
            <Dt><Dt>2026-11-01</Dt></Dt></Bal>
          <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp>
            <Amt Ccy="SAR">503975.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
            <Dt><Dt>2026-11-30</Dt></Dt></Bal>
          <Ntry>
            <Amt Ccy="SAR">4000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
            <BookgDt><Dt>2026-11-15</Dt></BookgDt><AcctSvcrRef>RJHI-20261115-0001</AcctSvcrRef>
            <NtryDtls><TxDtls><RmtInf>
              <Ustrd>تحويل من شركة النور للتجارة</Ustrd>
            </RmtInf></TxDtls></NtryDtls>
          </Ntry>
          <Ntry>
            <Amt Ccy="SAR">25.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
            <BookgDt><Dt>2026-11-30</Dt></BookgDt><AcctSvcrRef>RJHI-20261130-0002</AcctSvcrRef>
            <AddtlNtryInf>رسوم الحساب الشهرية</AddtlNtryInf>
          </Ntry>
        </Stmt>
      </BkToCstmrStmt>
    </Document>
    """
}

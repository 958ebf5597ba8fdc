import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// A request id returns the first answer: to a repeat, to every one of several concurrent first
/// attempts (postings, invoices and payments alike), and never to different content.
@Suite("Finance: one answer per request id")
struct FinanceIdempotencyTests {
  static func invoice(
    _ requestID: String,
    quantityMilli: Int64 = 1_000
  )
    -> Erp_Finance_V1_IssueInvoiceRequest
  {
    var line = Erp_Finance_V1_InvoiceLine()
    line.description_p = "استشارة"
    line.quantityMilli = quantityMilli
    line.unitPriceMinor = 100_00
    line.taxCode = "STD"
    var request = Erp_Finance_V1_IssueInvoiceRequest()
    request.requestID = requestID
    request.direction = .receivable
    request.partyID = "cust-1"
    request.partyName = "شركة الأمل"
    request.currencyCode = "SAR"
    request.issueDate = Build.date(2026, 8, 1)
    request.dueDate = Build.date(2026, 8, 31)
    request.lines = [line]
    return request
  }

  static func payment(
    _ requestID: String,
    _ amount: Int64 = 50_00
  )
    -> Erp_Finance_V1_RecordPaymentRequest
  {
    var request = Erp_Finance_V1_RecordPaymentRequest()
    request.requestID = requestID
    request.direction = .receivable
    request.partyID = "cust-1"
    request.amount = Erp_Common_V1_Money(amount, "SAR")
    request.date = Build.date(2026, 9, 5)
    return request
  }

  @Test("a separator inside a field does not make different content the same request")
  func separatorAmbiguity() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      var first = Build.entry(
        "sep-1",
        [Build.debit("1100", 100_00, "SAR"), Build.credit("4100", 100_00, "SAR")]
      )
      first.memo = "x|s"
      first.sourceType = "t"
      let posted = try await ledger.postEntry(first)
      let again = try await ledger.postEntry(first).number
      #expect(again == posted.number)

      var shifted = first
      shifted.memo = "x"
      shifted.sourceType = "s|t"
      let refused = await #expect(throws: RPCError.self) { try await ledger.postEntry(shifted) }
      #expect(refused?.code == .invalidArgument)
      #expect(refused?.message.hasPrefix("request_id:") == true)
    }
  }

  @Test("eight concurrent first postings with one request id all get the one entry")
  func concurrentPostings() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      for round in 0..<4 {
        let request = Build.entry(
          "post-\(round)",
          [Build.debit("1100", 10_00, "SAR"), Build.credit("4100", 10_00, "SAR")]
        )
        let outcomes = await concurrently(8) { try await ledger.postEntry(request).number }
        let seen = answers(outcomes) { $0 }
        #expect(theOneAnswer(seen, of: 8) != nil, "\(seen)")
      }
      let balance = try await Build.trialBalance(ledger)
      #expect(balance.totalDebitMinor == 4 * 10_00)
    }
  }

  @Test("concurrent first invoices and payments with one request id all get the first answer")
  func concurrentDocuments() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      for round in 0..<4 {
        let invoice = Self.invoice("inv-\(round)")
        let issued = await concurrently(8) { try await billing.issueInvoice(invoice).number }
        let invoices = answers(issued) { $0 }
        #expect(theOneAnswer(invoices, of: 8) != nil, "\(invoices)")

        let payment = Self.payment("pay-\(round)")
        let paid = await concurrently(8) { try await billing.recordPayment(payment).number }
        let payments = answers(paid) { $0 }
        #expect(theOneAnswer(payments, of: 8) != nil, "\(payments)")
      }
      // 4 invoices of 115.00 and 4 payments of 50.00, each once: receivables 4 × 65.00 and cash
      // 4 × 50.00 on the debit side (a second posting of either would show here).
      let balance = try await Build.trialBalance(ledger)
      #expect(balance.totalDebitMinor == 4 * 65_00 + 4 * 50_00)
    }
  }

  @Test("a repeated invoice or payment returns the first; different content is refused")
  func documentReplays() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      let invoice = Self.invoice("inv-r")
      let first = try await billing.issueInvoice(invoice)
      let again = try await billing.issueInvoice(invoice).number
      #expect(again == first.number)
      let changed = await #expect(throws: RPCError.self) {
        try await billing.issueInvoice(Self.invoice("inv-r", quantityMilli: 2_000))
      }
      #expect(changed?.code == .invalidArgument)

      let payment = try await billing.recordPayment(Self.payment("pay-r"))
      let repaid = try await billing.recordPayment(Self.payment("pay-r")).number
      #expect(repaid == payment.number)
      let other = await #expect(throws: RPCError.self) {
        try await billing.recordPayment(Self.payment("pay-r", 51_00))
      }
      #expect(other?.code == .invalidArgument)
    }
  }

  @Test("creates keyed by a code take a request id: concurrent attempts and repeats get one answer")
  func codeKeyed() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      var account = Erp_Finance_V1_CreateAccountRequest()
      account.requestID = "acct-1"
      account.code = "1150"
      account.name = "صندوق النثرية"
      account.type = .asset
      account.parentCode = "1000"
      var renamed = account
      renamed.name = "Petty cash"
      var other = account
      other.requestID = "acct-2"
      let accounts = await FirstAnswers.of(
        account,
        changed: renamed,
        taken: other,
        key: { "\($0.code) \($0.name)" }
      ) { try await ledger.createAccount($0) }
      #expect(
        accounts
          == .init(
            concurrent: ["1150 صندوق النثرية": 8],
            changed: .invalidArgument,
            taken: .alreadyExists
          )
      )

      var tax = Erp_Finance_V1_TaxCode()
      tax.requestID = "tax-1"
      tax.code = "RED5"
      tax.name = "مخفض"
      tax.kind = .reduced
      tax.rateBasisPoints = 500
      var higher = tax
      higher.rateBasisPoints = 600
      var another = tax
      another.requestID = "tax-2"
      let taxes = await FirstAnswers.of(
        tax,
        changed: higher,
        taken: another,
        key: { "\($0.code) \($0.rateBasisPoints)" }
      ) { try await billing.createTaxCode($0) }
      #expect(
        taxes
          == .init(concurrent: ["RED5 500": 8], changed: .invalidArgument, taken: .alreadyExists)
      )

      var missing = tax
      missing.requestID = ""
      let unnamed = await #expect(throws: RPCError.self) {
        try await billing.createTaxCode(missing)
      }
      #expect(unnamed?.code == .invalidArgument)
      #expect(unnamed?.message.hasPrefix("request_id:") == true)
    }
  }
}

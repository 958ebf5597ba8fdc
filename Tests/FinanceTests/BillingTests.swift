import ERPProtos
import GRPCCore
import Testing

private func line(
  _ description: String,
  quantityMilli: Int64,
  price: Int64,
  tax: String,
  account: String = ""
) -> Erp_Finance_V1_InvoiceLine {
  var line = Erp_Finance_V1_InvoiceLine()
  line.description_p = description
  line.quantityMilli = quantityMilli
  line.unitPriceMinor = price
  line.taxCode = tax
  line.accountCode = account
  return line
}

private func invoice(
  _ requestID: String,
  direction: Erp_Finance_V1_Direction = .receivable,
  party: String = "cust-1",
  issued: Erp_Common_V1_Date = Build.date(2026, 8, 1),
  due: Erp_Common_V1_Date = Build.date(2026, 8, 31),
  _ lines: [Erp_Finance_V1_InvoiceLine]
) -> Erp_Finance_V1_IssueInvoiceRequest {
  var request = Erp_Finance_V1_IssueInvoiceRequest()
  request.requestID = requestID
  request.direction = direction
  request.partyID = party
  request.partyName = "شركة الأمل"
  request.currencyCode = "SAR"
  request.issueDate = issued
  request.dueDate = due
  request.lines = lines
  return request
}

private func payment(
  _ requestID: String,
  _ amount: Int64,
  date: Erp_Common_V1_Date = Build.date(2026, 9, 5),
  _ allocations: [(String, Int64)]
) -> Erp_Finance_V1_RecordPaymentRequest {
  var request = Erp_Finance_V1_RecordPaymentRequest()
  request.requestID = requestID
  request.direction = .receivable
  request.partyID = "cust-1"
  request.amount = Erp_Common_V1_Money(amount, "SAR")
  request.date = date
  request.allocations = allocations.map {
    var allocation = Erp_Finance_V1_Allocation()
    allocation.invoiceNumber = $0.0
    allocation.amount = Erp_Common_V1_Money($0.1, "SAR")
    return allocation
  }
  return request
}

@Suite("Finance: receivables, payables, payments")
struct BillingTests {
  @Test("an invoice is priced per line, posts AR / revenue / VAT, and a repeat changes nothing")
  func issueInvoice() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      // 2.5 × 10.00 = 25.00 at 15 % = 3.75; 3 × 3.33 = 9.99 exempt.
      let request = invoice(
        "inv-1",
        [
          line("استشارة", quantityMilli: 2_500, price: 10_00, tax: "STD"),
          line("Cables", quantityMilli: 3_000, price: 3_33, tax: "EXEMPT"),
        ]
      )
      let issued = try await billing.issueInvoice(request)
      #expect(issued.number.hasPrefix("INV-"))
      #expect(issued.lines.map(\.netMinor) == [25_00, 9_99])
      #expect(issued.lines.map(\.taxMinor) == [3_75, 0])
      #expect(issued.total == Erp_Common_V1_Money(38_74, "SAR"))
      #expect(issued.status == .open)
      #expect(issued.outstanding.unitsMinor == 38_74)
      #expect(issued.lines[0].description_p == "استشارة")
      #expect(try await billing.issueInvoice(request).number == issued.number)

      let balance = try await Build.trialBalance(ledger)
      let byCode = Dictionary(uniqueKeysWithValues: balance.lines.map { ($0.accountCode, $0) })
      #expect(byCode["1200"]?.debitMinor == 38_74)
      #expect(byCode["4100"]?.creditMinor == 34_99)
      #expect(byCode["2200"]?.creditMinor == 3_75)
    }
  }

  @Test("payments: partial, over-payment with an unallocated balance, refund; status follows")
  func payments() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      let issued = try await billing.issueInvoice(
        invoice("inv-p", [line("Service", quantityMilli: 1_000, price: 100_00, tax: "STD")])
      )
      #expect(issued.total.unitsMinor == 115_00)

      let first = try await billing.recordPayment(payment("pay-1", 50_00, [(issued.number, 50_00)]))
      #expect(first.number.hasPrefix("RCPT-"))
      #expect(first.unallocated.unitsMinor == 0)
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = issued.number
      #expect(try await billing.getInvoice(get).status == .partlyPaid)

      let tooMuch = await #expect(throws: RPCError.self) {
        try await billing.recordPayment(payment("pay-x", 100_00, [(issued.number, 70_00)]))
      }
      #expect(tooMuch?.code == .failedPrecondition)
      #expect(tooMuch?.message.contains("only 65.00 SAR is outstanding") == true)

      let second = try await billing.recordPayment(
        payment("pay-2", 80_00, [(issued.number, 65_00)])
      )
      #expect(second.unallocated.unitsMinor == 15_00)
      let paid = try await billing.getInvoice(get)
      #expect(paid.status == .paid)
      #expect(paid.paid.unitsMinor == 115_00)
      #expect(paid.outstanding.unitsMinor == 0)

      // Allocation requests are idempotent; lowering one is refused.
      var allocate = Erp_Finance_V1_AllocatePaymentRequest()
      allocate.paymentNumber = second.number
      var allocation = Erp_Finance_V1_Allocation()
      allocation.invoiceNumber = issued.number
      allocation.amount = Erp_Common_V1_Money(65_00, "SAR")
      allocate.allocations = [allocation]
      #expect(try await billing.allocatePayment(allocate).unallocated.unitsMinor == 15_00)
      allocate.allocations[0].amount.unitsMinor = 10_00
      let lowered = await #expect(throws: RPCError.self) {
        try await billing.allocatePayment(allocate)
      }
      #expect(lowered?.code == .failedPrecondition)

      var refund = Erp_Finance_V1_RefundPaymentRequest()
      refund.requestID = "refund-1"
      refund.paymentNumber = second.number
      refund.amount = Erp_Common_V1_Money(20_00, "SAR")
      refund.date = Build.date(2026, 9, 6)
      let excessive = await #expect(throws: RPCError.self) {
        try await billing.refundPayment(refund)
      }
      #expect(excessive?.message.contains("only 15.00 SAR") == true)
      refund.requestID = "refund-2"
      refund.amount.unitsMinor = 15_00
      let refunded = try await billing.refundPayment(refund)
      #expect(refunded.unallocated.unitsMinor == 0)
      #expect(refunded.refunded.unitsMinor == 15_00)
      #expect(try await billing.refundPayment(refund).refunded.unitsMinor == 15_00)  // repeat

      // Receivables are back to zero; cash holds what was kept.
      let balance = try await Build.trialBalance(ledger)
      let byCode = Dictionary(uniqueKeysWithValues: balance.lines.map { ($0.accountCode, $0) })
      #expect(byCode["1200"] == nil)
      #expect(byCode["1100"]?.debitMinor == 115_00)

      var statementRequest = Erp_Finance_V1_PartyStatementRequest()
      statementRequest.direction = .receivable
      statementRequest.partyID = "cust-1"
      statementRequest.currencyCode = "SAR"
      statementRequest.from = Build.date(2026, 8, 15)
      statementRequest.to = Build.date(2026, 9, 30)
      let statement = try await billing.partyStatement(statementRequest)
      #expect(statement.openingBalanceMinor == 115_00)
      #expect(statement.lines.map(\.kind) == ["payment", "payment", "refund"])
      #expect(statement.lines.map(\.balanceMinor) == [65_00, -15_00, 0])
      #expect(statement.closingBalanceMinor == 0)
    }
  }

  @Test("aged receivables bucket what is outstanding by days past due")
  func ageing() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      let item = [line("Item", quantityMilli: 1_000, price: 10_00, tax: "ZERO")]
      _ = try await billing.issueInvoice(invoice("a1", due: Build.date(2026, 11, 20), item))
      _ = try await billing.issueInvoice(invoice("a2", due: Build.date(2026, 10, 10), item))
      _ = try await billing.issueInvoice(invoice("a3", due: Build.date(2026, 9, 5), item))
      _ = try await billing.issueInvoice(invoice("a4", due: Build.date(2026, 8, 2), item))
      _ = try await billing.issueInvoice(
        invoice("b1", party: "cust-2", due: Build.date(2026, 12, 31), item)
      )
      var request = Erp_Finance_V1_AgedBalancesRequest()
      request.direction = .receivable
      request.asOf = Build.date(2026, 11, 26)
      let aged = try await billing.agedBalances(request)
      #expect(aged.parties.map(\.partyID) == ["cust-1", "cust-2"])
      let first = aged.parties[0]
      #expect(first.days030Minor == 10_00)  // 6 days past due
      #expect(first.days3160Minor == 10_00)  // 47 days
      #expect(first.days6190Minor == 10_00)  // 82 days
      #expect(first.daysOver90Minor == 10_00)  // 116 days
      #expect(first.totalMinor == 40_00)
      #expect(aged.parties[1].days030Minor == 10_00)  // not yet due
    }
  }

  @Test("credit notes reduce what is owed and the VAT return; supplier bills give input tax")
  func creditNotesAndVat() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      let issued = try await billing.issueInvoice(
        invoice("inv-c", [line("Goods", quantityMilli: 4_000, price: 25_00, tax: "STD")])
      )
      #expect(issued.total.unitsMinor == 115_00)
      var credit = Erp_Finance_V1_IssueCreditNoteRequest()
      credit.requestID = "cn-1"
      credit.invoiceNumber = issued.number
      credit.issueDate = Build.date(2026, 8, 10)
      credit.lines = [line("Goods returned", quantityMilli: 1_000, price: 25_00, tax: "STD")]
      credit.reason = "damaged"
      let note = try await billing.issueCreditNote(credit)
      #expect(note.number.hasPrefix("CN-"))
      #expect(note.isCreditNote)
      #expect(note.creditsInvoice == issued.number)
      #expect(note.total.unitsMinor == 28_75)
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = issued.number
      let after = try await billing.getInvoice(get)
      #expect(after.credited.unitsMinor == 28_75)
      #expect(after.outstanding.unitsMinor == 86_25)

      credit.requestID = "cn-2"
      credit.lines = [line("Too much", quantityMilli: 4_000, price: 25_00, tax: "STD")]
      let tooMuch = await #expect(throws: RPCError.self) {
        try await billing.issueCreditNote(credit)
      }
      #expect(tooMuch?.code == .failedPrecondition)

      var bill = invoice(
        "bill-1",
        direction: .payable,
        party: "supp-1",
        [line("Office rent", quantityMilli: 1_000, price: 200_00, tax: "STD", account: "5200")]
      )
      bill.partyName = "Supplier"
      let recorded = try await billing.issueInvoice(bill)
      #expect(recorded.number.hasPrefix("BILL-"))

      var vat = Erp_Finance_V1_VatReturnRequest()
      vat.from = Build.date(2026, 8, 1)
      vat.to = Build.date(2026, 8, 31)
      let vatReturn = try await billing.vatReturn(vat)
      #expect(vatReturn.outputTaxMinor == 15_00 - 3_75)
      #expect(vatReturn.inputTaxMinor == 30_00)
      #expect(vatReturn.netMinor == 11_25 - 30_00)

      let balance = try await Build.trialBalance(ledger)
      let byCode = Dictionary(uniqueKeysWithValues: balance.lines.map { ($0.accountCode, $0) })
      #expect(byCode["2200"]?.creditMinor == 11_25)  // VAT payable
      #expect(byCode["1400"]?.debitMinor == 30_00)  // VAT receivable
      #expect(byCode["2100"]?.creditMinor == 230_00)  // payables
      #expect(byCode["1200"]?.debitMinor == 86_25)  // receivables
    }
  }

  @Test(
    "bad documents are refused with the field named",
    arguments: [
      (
        invoice("x1", [line("Q", quantityMilli: -1_000, price: 1_00, tax: "STD")]),
        "lines[0].quantity_milli: must be positive (-1000)"
      ),
      (
        invoice("x2", [line("Q", quantityMilli: 1_000, price: 1_00, tax: "NOPE")]),
        "lines[0].tax_code: no tax code \"NOPE\""
      ),
      (
        invoice(
          "x3",
          direction: .payable,
          [line("Q", quantityMilli: 1_000, price: 1_00, tax: "STD")]
        ), "lines[0].account_code: required on a supplier bill"
      ),
      (
        invoice(
          "x4",
          direction: .unspecified,
          [line("Q", quantityMilli: 1_000, price: 1_00, tax: "STD")]
        ), "direction: RECEIVABLE or PAYABLE is required"
      ),
      (
        invoice(
          "x5",
          due: Build.date(2026, 7, 1),
          [line("Q", quantityMilli: 1_000, price: 1_00, tax: "STD")]
        ), "due_date: must not be before issue_date"
      ),
    ]
  )
  func refusals(request: Erp_Finance_V1_IssueInvoiceRequest, message: String) async throws {
    try await LedgerHarness.withBilling { billing, _ in
      let error = await #expect(throws: RPCError.self) { try await billing.issueInvoice(request) }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == message)
    }
  }
}

/// CreateTaxCode read back, ListTaxCodes and ListInvoices: calls no other test reads.
@Suite("Finance: tax codes and invoice lists")
struct TaxCodeAndInvoiceListTests {
  @Test("CreateTaxCode stores the code; ListTaxCodes lists it with the seeded ones; bad fields")
  func createAndListTaxCodes() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      let seeded = try await billing.listTaxCodes(.init()).taxCodes
      #expect(seeded.map(\.code) == ["EXEMPT", "RED", "STD", "ZERO"])
      #expect(seeded.first { $0.code == "STD" }?.rateBasisPoints == 1_500)
      #expect(seeded.first { $0.code == "ZERO" }?.kind == .zeroRated)

      var tax = Erp_Finance_V1_TaxCode()
      tax.requestID = "tax-lux"
      tax.code = "LUX"
      tax.name = "ضريبة الكماليات"
      tax.kind = .standard
      tax.rateBasisPoints = 2_000
      let created = try await billing.createTaxCode(tax)
      #expect(created.code == "LUX")
      let listed = try await billing.listTaxCodes(.init()).taxCodes
      #expect(listed.map(\.code) == ["EXEMPT", "LUX", "RED", "STD", "ZERO"])
      let lux = listed.first { $0.code == "LUX" }
      #expect(lux?.name == "ضريبة الكماليات")
      #expect(lux?.kind == .standard)
      #expect(lux?.rateBasisPoints == 2_000)
      // An invoice line may use it at once: 100.00 at 20 %.
      let issued = try await billing.issueInvoice(
        invoice("inv-lux", [line("عطر", quantityMilli: 1_000, price: 100_00, tax: "LUX")])
      )
      #expect(issued.tax.unitsMinor == 20_00)

      func refusal(_ edit: (inout Erp_Finance_V1_TaxCode) -> Void) async -> RPCError? {
        var bad = tax
        bad.requestID = "tax-bad-\(UInt64.random(in: 0...UInt64.max))"
        bad.code = "BAD"
        edit(&bad)
        return await #expect(throws: RPCError.self) { try await billing.createTaxCode(bad) }
      }
      let rate = await refusal { $0.rateBasisPoints = 10_001 }
      #expect(rate?.code == .invalidArgument)
      #expect(rate?.message.hasPrefix("rate_basis_points:") == true)
      let exempt = await refusal {
        $0.kind = .exempt
        $0.rateBasisPoints = 100
      }
      #expect(exempt?.message.hasPrefix("rate_basis_points:") == true)
      let code = await refusal { $0.code = "lower" }
      #expect(code?.message.hasPrefix("code:") == true)
      let kind = await refusal { $0.kind = .unspecified }
      #expect(kind?.message.hasPrefix("kind:") == true)
      let taken = await refusal { $0.code = "STD" }
      #expect(taken?.code == .alreadyExists)
      #expect(try await billing.listTaxCodes(.init()).taxCodes.count == 5)
    }
  }

  @Test("ListInvoices: one party's invoices of one direction, newest first, open only, limit")
  func listInvoices() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      let item = line("Service", quantityMilli: 1_000, price: 100_00, tax: "STD")
      let first = try await billing.issueInvoice(invoice("li-1", [item]))
      let second = try await billing.issueInvoice(invoice("li-2", [item]))
      let third = try await billing.issueInvoice(invoice("li-3", [item]))
      _ = try await billing.issueInvoice(invoice("li-other", party: "cust-2", [item]))
      _ = try await billing.recordPayment(payment("li-pay", 115_00, [(second.number, 115_00)]))

      var request = Erp_Finance_V1_ListInvoicesRequest()
      request.direction = .receivable
      request.partyID = "cust-1"
      let all = try await billing.listInvoices(request).invoices
      #expect(all.map(\.number) == [third.number, second.number, first.number])
      #expect(all.allSatisfy { $0.partyName == "شركة الأمل" && $0.total.unitsMinor == 115_00 })
      #expect(all.first { $0.number == second.number }?.status == .paid)
      request.openOnly = true
      #expect(
        try await billing.listInvoices(request).invoices.map(\.number) == [
          third.number, first.number,
        ]
      )
      request.openOnly = false
      request.limit = 2
      #expect(
        try await billing.listInvoices(request).invoices.map(\.number) == [
          third.number, second.number,
        ]
      )
      request.direction = .payable
      #expect(try await billing.listInvoices(request).invoices.isEmpty)

      request.limit = 101
      let limit = await #expect(throws: RPCError.self) { try await billing.listInvoices(request) }
      #expect(limit?.code == .invalidArgument)
      #expect(limit?.message.hasPrefix("limit:") == true)
      request.limit = 0
      request.direction = .unspecified
      let direction = await #expect(throws: RPCError.self) {
        try await billing.listInvoices(request)
      }
      #expect(direction?.message.hasPrefix("direction:") == true)
    }
  }

  @Test("the ledger's GetSettings answers the base currency SetBaseCurrency stored")
  func ledgerSettings() async throws {
    try await LedgerHarness.withBilling(baseCurrency: "KWD") { _, ledger in
      let first = try await ledger.getSettings(.init())
      #expect(first.baseCurrency == "KWD")
      var change = Erp_Finance_V1_SetBaseCurrencyRequest()
      change.currencyCode = "SAR"
      let answered = try await ledger.setBaseCurrency(change)
      let stored = try await ledger.getSettings(.init())
      #expect(answered == stored)
      #expect(stored.baseCurrency == "SAR")
      change.currencyCode = "XYZ"
      let unknown = await #expect(throws: RPCError.self) {
        try await ledger.setBaseCurrency(change)
      }
      #expect(unknown?.code == .invalidArgument)
      #expect(unknown?.message.hasPrefix("currency_code:") == true)
      let kept = try await ledger.getSettings(.init())
      #expect(kept == stored)
    }
  }
}

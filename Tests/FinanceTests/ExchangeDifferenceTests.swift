import ERPProtos
import ERPStore
import GRPCCore
import Testing

/// Foreign-currency settlement and revaluation, with every figure worked out by hand (in the
/// comments) and the books checked to agree after each step.
@Suite("Finance: realised and unrealised exchange differences")
struct ExchangeDifferenceTests {
  @Test("a USD invoice at 3.75 paid at 3.76 posts the exact realised gain in SAR")
  func usdInvoicePaidAtAnotherRate() async throws {
    try await LedgerHarness.clients(baseCurrency: "SAR") { client, pool, tenant in
      let (billing, ledger) = (Billing(wrapping: client), Ledger(wrapping: client))
      try await FX.rate(ledger, "USD", "3.75", Build.date(2026, 8, 1))
      try await FX.rate(ledger, "USD", "3.76", Build.date(2026, 9, 1))
      // 1,000.00 USD at 15 %: 1,150.00 USD, carried at 3.75 = 4,312.50 SAR.
      let invoice = try await billing.issueInvoice(
        FX.invoice("fx-inv", .receivable, "USD", Build.date(2026, 8, 10), 1_000_00, tax: "STD")
      )
      #expect(invoice.total == Erp_Common_V1_Money(1_150_00, "USD"))
      // Received 1,150.00 USD at 3.76 = 4,324.00 SAR: 11.50 SAR more than carried, a gain.
      let payment = try await billing.recordPayment(
        FX.payment(
          "fx-pay",
          .receivable,
          Erp_Common_V1_Money(1_150_00, "USD"),
          Build.date(2026, 9, 5),
          [(invoice.number, 1_150_00)]
        )
      )
      #expect(payment.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(11_50, "SAR")])
      let books = try await FX.books(ledger, asOf: Build.date(2026, 9, 30))
      #expect(books["1200"] == 0)
      #expect(books["4900"] == -11_50)
      #expect(books["1100"] == 4_324_00)
      #expect(books["4100"] == -3_750_00)
      #expect(books["2200"] == -562_50)
      // The difference's entry: dated the payment, in base only (no USD amount), AR against FX
      // gain.
      let lines = try await pool.tenantQuery(
        tenant,
        """
        SELECT e.entry_date, a.code, l.currency, l.amount_minor, l.base_amount_minor
        FROM journal_entry e JOIN journal_line l ON l.entry_id = e.id
        JOIN account a ON a.id = l.account_id
        WHERE e.source_type = 'exchange_difference' ORDER BY l.line_no
        """
      )
      #expect(
        try lines.map {
          "\(try $0.decode("entry_date", as: CalendarDate.self).postgresText) "
            + "\(try $0.decode("code", as: String.self)) "
            + "\(try $0.decode("currency", as: String.self)) "
            + "\(try $0.decode("amount_minor", as: Int64.self)) "
            + "\(try $0.decode("base_amount_minor", as: Int64.self))"
        } == ["2026-09-05 1200 USD 0 1150", "2026-09-05 4900 USD 0 -1150"]
      )
      // The invoice is paid: nothing of it is left in USD or in SAR.
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = invoice.number
      #expect(try await billing.getInvoice(get).status == .paid)
    }
  }

  @Test("a KWD bill (3 decimals) paid in two parts at two rates releases exactly its base")
  func kwdBillPaidInTwoParts() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      try await FX.rate(ledger, "KWD", "12.2345", Build.date(2026, 8, 1))
      try await FX.rate(ledger, "KWD", "12.3001", Build.date(2026, 8, 15))
      try await FX.rate(ledger, "KWD", "12.1777", Build.date(2026, 9, 10))
      // 1,234.567 KWD × 12.2345 = 15,104.3099… → 15,104.31 SAR (half up).
      let bill = try await billing.issueInvoice(
        FX.invoice("fx-bill", .payable, "KWD", Build.date(2026, 8, 1), 1_234_567, tax: "EXEMPT")
      )
      #expect(bill.total == Erp_Common_V1_Money(1_234_567, "KWD"))
      // Part 1: 600.000 KWD at 12.3001 = 7,380.06 SAR; the bill's share of its base is
      // 15,104.31 × 600 / 1,234.567 = 7,340.696… → 7,340.70: paid 39.36 more, a loss.
      let first = try await billing.recordPayment(
        FX.payment(
          "fx-bill-pay-1",
          .payable,
          Erp_Common_V1_Money(600_000, "KWD"),
          Build.date(2026, 8, 20),
          [(bill.number, 600_000)]
        )
      )
      #expect(first.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(-39_36, "SAR")])
      let afterFirst = try await FX.books(ledger, asOf: Build.date(2026, 8, 31))
      // What is left owed is the rest of the bill's base: 15,104.31 − 7,340.70 = 7,763.61.
      #expect(afterFirst["2100"] == -7_763_61)
      #expect(afterFirst["5900"] == 39_36)
      // Part 2, the rest: 634.567 KWD at 12.1777 = 7,727.5666… → 7,727.57 SAR, against the
      // 7,763.61 left of the bill: 36.04 less, a gain. The bill's shares sum to its base.
      let second = try await billing.recordPayment(
        FX.payment(
          "fx-bill-pay-2",
          .payable,
          Erp_Common_V1_Money(634_567, "KWD"),
          Build.date(2026, 9, 12),
          [(bill.number, 634_567)]
        )
      )
      #expect(second.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(36_04, "SAR")])
      let books = try await FX.books(ledger, asOf: Build.date(2026, 9, 30))
      #expect(books["2100"] == 0)
      #expect(books["5900"] == 39_36)
      #expect(books["4900"] == -36_04)
      #expect(books["1100"] == -(7_380_06 + 7_727_57))
      #expect(books["1300"] == 15_104_31)
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = bill.number
      #expect(try await billing.getInvoice(get).status == .paid)
    }
  }

  @Test("a refund at another rate and a credit note realise their differences too")
  func refundAndCreditNote() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      try await FX.rate(ledger, "USD", "3.75", Build.date(2026, 8, 1))
      try await FX.rate(ledger, "USD", "3.70", Build.date(2026, 8, 20))
      // 100.00 USD received on account at 3.75 (375.00 SAR), 40.00 refunded at 3.70: 148.00
      // SAR paid back against 150.00 carried, a 2.00 gain.
      let payment = try await billing.recordPayment(
        FX.payment(
          "fx-ra",
          .receivable,
          Erp_Common_V1_Money(100_00, "USD"),
          Build.date(2026, 8, 5),
          []
        )
      )
      var refund = Erp_Finance_V1_RefundPaymentRequest()
      refund.requestID = "fx-refund"
      refund.paymentNumber = payment.number
      refund.amount = Erp_Common_V1_Money(40_00, "USD")
      refund.date = Build.date(2026, 8, 25)
      _ = try await billing.refundPayment(refund)
      // An invoice of 60.00 USD at 3.70 (222.00 SAR) takes the rest (225.00 carried): a 3.00
      // gain; the payment's base is released exactly (150.00 + 225.00 = 375.00).
      let invoice = try await billing.issueInvoice(
        FX.invoice("fx-ra-inv", .receivable, "USD", Build.date(2026, 8, 26), 60_00, tax: "EXEMPT")
      )
      var allocate = Erp_Finance_V1_AllocatePaymentRequest()
      allocate.paymentNumber = payment.number
      var allocation = Erp_Finance_V1_Allocation()
      allocation.invoiceNumber = invoice.number
      allocation.amount = Erp_Common_V1_Money(60_00, "USD")
      allocate.allocations = [allocation]
      let allocated = try await billing.allocatePayment(allocate)
      #expect(allocated.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(3_00, "SAR")])
      var books = try await FX.books(ledger, asOf: Build.date(2026, 8, 31))
      #expect(books["1200"] == 0)
      #expect(books["4900"] == -(2_00 + 3_00))

      // A credit note of 10.00 USD on a 50.00 USD invoice of 08-01 (3.75), issued at 3.70:
      // 37.00 SAR credited against 37.50 of the invoice's base, a 0.50 loss.
      let credited = try await billing.issueInvoice(
        FX.invoice("fx-cn-inv", .receivable, "USD", Build.date(2026, 8, 1), 50_00, tax: "EXEMPT")
      )
      var note = Erp_Finance_V1_IssueCreditNoteRequest()
      note.requestID = "fx-cn"
      note.invoiceNumber = credited.number
      note.issueDate = Build.date(2026, 8, 28)
      note.lines = [FX.line(10_00, tax: "EXEMPT")]
      _ = try await billing.issueCreditNote(note)
      books = try await FX.books(ledger, asOf: Build.date(2026, 8, 31))
      #expect(books["5900"] == 50)
      #expect(books["1200"] == 150_00)  // 187.50 − 37.50
    }
  }

  @Test("a month's revaluation is posted on its last day, reversed on the next, once")
  func revaluation() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      try await FX.rate(ledger, "USD", "3.75", Build.date(2026, 8, 1))
      // Open at the end of August: a 1,000.00 USD invoice (3,750.00 SAR) and a 200.00 USD bill
      // (750.00 SAR), both at 3.75.
      let invoice = try await billing.issueInvoice(
        FX.invoice("rv-inv", .receivable, "USD", Build.date(2026, 8, 10), 1_000_00, tax: "EXEMPT")
      )
      _ = try await billing.issueInvoice(
        FX.invoice("rv-bill", .payable, "USD", Build.date(2026, 8, 12), 200_00, tax: "EXEMPT")
      )
      var request = Erp_Finance_V1_RevaluePeriodRequest()
      request.requestID = "rv-2026-08"
      request.year = 2026
      request.month = 8
      var rate = Erp_Finance_V1_RevaluationRate()
      rate.currencyCode = "USD"
      rate.rate = "3.76"
      request.rates = [rate]
      // At 3.76: receivables 3,760.00 (+10.00, a gain), payables 752.00 (−2.00, a loss).
      let revalued = try await billing.revaluePeriod(request)
      #expect(
        revalued.lines.map {
          "\($0.direction) \($0.currencyCode) \($0.rate) \($0.openMinor) \($0.carryingBaseMinor) "
            + "\($0.revaluedBaseMinor) \($0.adjustmentBaseMinor)"
        } == [
          "receivable USD 3.76 100000 375000 376000 1000",
          "payable USD 3.76 -20000 -75000 -75200 -200",
        ]
      )
      #expect(revalued.netAdjustmentBaseMinor == 8_00)
      var entry = Erp_Finance_V1_GetEntryRequest()
      entry.number = revalued.journalEntry
      let posted = try await ledger.getEntry(entry)
      #expect(posted.date == Build.date(2026, 8, 31))
      #expect(posted.reversedBy == revalued.reversalEntry)
      entry.number = revalued.reversalEntry
      #expect(try await ledger.getEntry(entry).date == Build.date(2026, 9, 1))

      let august = try await FX.books(ledger, asOf: Build.date(2026, 8, 31))
      #expect(august["1200"] == 3_760_00)
      #expect(august["2100"] == -752_00)
      #expect(august["4910"] == -10_00)
      #expect(august["5910"] == 2_00)
      let september = try await FX.books(ledger, asOf: Build.date(2026, 9, 1))
      #expect(september["1200"] == 3_750_00)
      #expect(september["2100"] == -750_00)
      #expect(september["4910"] == 0)
      #expect(september["5910"] == 0)

      // Once per month: the same request again is the same answer; another id is refused.
      #expect(try await billing.revaluePeriod(request) == revalued)
      var other = request
      other.requestID = "rv-2026-08-again"
      let twice = await #expect(throws: RPCError.self) {
        _ = try await billing.revaluePeriod(other)
      }
      #expect(twice?.code == .alreadyExists)
      #expect(twice?.message.hasPrefix("year, month: 2026-8") == true)

      // Paid in September at 3.76: the gain realised is measured from the invoice's own rate
      // (10.00), not from the reversed revaluation.
      try await FX.rate(ledger, "USD", "3.76", Build.date(2026, 9, 1))
      let payment = try await billing.recordPayment(
        FX.payment(
          "rv-pay",
          .receivable,
          Erp_Common_V1_Money(1_000_00, "USD"),
          Build.date(2026, 9, 3),
          [(invoice.number, 1_000_00)]
        )
      )
      #expect(payment.allocations.map(\.exchangeDifference) == [Erp_Common_V1_Money(10_00, "SAR")])
      // September at the ledger's own rate (3.76, none given): only the bill is open.
      var september30 = Erp_Finance_V1_RevaluePeriodRequest()
      september30.requestID = "rv-2026-09"
      september30.year = 2026
      september30.month = 9
      let next = try await billing.revaluePeriod(september30)
      #expect(next.lines.map(\.adjustmentBaseMinor) == [-2_00])
      _ = try await FX.books(ledger, asOf: Build.date(2026, 9, 30))

      // Bad input names the field and echoes nothing unbounded.
      var bad = request
      bad.requestID = "rv-bad"
      bad.rates[0].rate = String(repeating: "9", count: 5_000)
      let invalid = await #expect(throws: RPCError.self) {
        _ = try await billing.revaluePeriod(bad)
      }
      #expect(invalid?.code == .invalidArgument)
      #expect(invalid?.message.hasPrefix("rates[0].rate") == true)
      #expect((invalid?.message.count ?? 0) < 200)
      var exchangeRate = Erp_Finance_V1_GetExchangeRateRequest()
      exchangeRate.currencyCode = "USD"
      exchangeRate.on = Build.date(2026, 8, 31)
      let found = try await ledger.getExchangeRate(exchangeRate)
      #expect(found.rate == "3.75")
      #expect(found.effective == Build.date(2026, 8, 1))
      exchangeRate.on = Build.date(2026, 7, 31)
      let none = await #expect(throws: RPCError.self) {
        _ = try await ledger.getExchangeRate(exchangeRate)
      }
      #expect(none?.code == .notFound)
    }
  }
}

/// Requests and checks the tests above share.
enum FX {
  static func rate(
    _ ledger: Ledger,
    _ currency: String,
    _ rate: String,
    _ effective: Erp_Common_V1_Date
  ) async throws {
    var request = Erp_Finance_V1_SetExchangeRateRequest()
    request.currencyCode = currency
    request.rate = rate
    request.effective = effective
    _ = try await ledger.setExchangeRate(request)
  }

  static func line(_ price: Int64, tax: String) -> Erp_Finance_V1_InvoiceLine {
    var line = Erp_Finance_V1_InvoiceLine()
    line.description_p = "خدمات"
    line.quantityMilli = 1_000
    line.unitPriceMinor = price
    line.taxCode = tax
    return line
  }

  /// One line of `price` (quantity 1); a bill's goes to inventory (1300).
  static func invoice(
    _ requestID: String,
    _ direction: Erp_Finance_V1_Direction,
    _ currency: String,
    _ date: Erp_Common_V1_Date,
    _ price: Int64,
    tax: String
  ) -> Erp_Finance_V1_IssueInvoiceRequest {
    var request = Erp_Finance_V1_IssueInvoiceRequest()
    request.requestID = requestID
    request.direction = direction
    request.partyID = direction == .receivable ? "cust-fx" : "supp-fx"
    request.partyName = "شركة الخليج"
    request.currencyCode = currency
    request.issueDate = date
    request.dueDate = date
    var line = Self.line(price, tax: tax)
    if direction == .payable { line.accountCode = "1300" }
    request.lines = [line]
    return request
  }

  static func payment(
    _ requestID: String,
    _ direction: Erp_Finance_V1_Direction,
    _ amount: Erp_Common_V1_Money,
    _ date: Erp_Common_V1_Date,
    _ allocations: [(String, Int64)]
  ) -> Erp_Finance_V1_RecordPaymentRequest {
    var request = Erp_Finance_V1_RecordPaymentRequest()
    request.requestID = requestID
    request.direction = direction
    request.partyID = direction == .receivable ? "cust-fx" : "supp-fx"
    request.amount = amount
    request.date = date
    request.allocations = allocations.map {
      var allocation = Erp_Finance_V1_Allocation()
      allocation.invoiceNumber = $0.0
      allocation.amount = Erp_Common_V1_Money($0.1, amount.currencyCode)
      return allocation
    }
    return request
  }

  /// Each account's balance in base currency (debit positive) as of `asOf`, after checking that
  /// the trial balance balances, that the balance sheet's two sides are equal, and that the
  /// income statement of the year to date has the net income the balance sheet shows unclosed
  /// and the trial balance's revenue and expense accounts add up to.
  static func books(
    _ ledger: Ledger,
    asOf: Erp_Common_V1_Date
  ) async throws -> [String: Int64] {
    var trial = Erp_Finance_V1_TrialBalanceRequest()
    trial.asOf = asOf
    let balance = try await ledger.trialBalance(trial)
    #expect(balance.totalDebitMinor == balance.totalCreditMinor)
    var sheet = Erp_Finance_V1_BalanceSheetRequest()
    sheet.asOf = asOf
    let position = try await ledger.balanceSheet(sheet)
    #expect(position.totalAssetsMinor == position.totalLiabilitiesAndEquityMinor)
    var income = Erp_Finance_V1_IncomeStatementRequest()
    income.from = Build.date(Int(asOf.year), 1, 1)
    income.to = asOf
    let statement = try await ledger.incomeStatement(income)
    #expect(statement.netIncomeMinor == position.unclosedEarningsMinor)
    var accounts: [String: Int64] = [:]
    for line in balance.lines { accounts[line.accountCode] = line.debitMinor - line.creditMinor }
    let earnings = balance.lines.filter { $0.type == .revenue || $0.type == .expense }
      .reduce(Int64(0)) { $0 + $1.creditMinor - $1.debitMinor }
    #expect(earnings == statement.netIncomeMinor)
    return accounts.merging(["1200": 0, "2100": 0, "4900": 0, "5900": 0, "4910": 0, "5910": 0]) {
      value,
      _ in value
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

@testable import Finance

private func day(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate {
  CalendarDate(year: year, month: month, day: day)
}

@Suite("Payment terms: codes, due dates and the aged balances by due date")
struct PaymentTermsTests {
  @Test("codes are read in any case and spacing and answered normalised; bad ones refused")
  func codes() throws {
    #expect(PaymentTerms(code: "net 30")?.description == "NET30")
    #expect(PaymentTerms(code: "2/10 Net 30")?.description == "2/10NET30")
    #expect(PaymentTerms(code: "eom")?.description == "EOM")
    #expect(PaymentTerms(code: "NET 15 EOM")?.description == "NET15EOM")
    for bad in ["", "NET", "NET366", "NET-1", "10/30NET30", "0/10NET30", "100/1NET30", "EOM5", "x"]
    {
      #expect(PaymentTerms(code: bad) == nil, "\(bad)")
    }
    let error = #expect(throws: RPCError.self) {
      try PaymentTerms.parse("NET" + String(repeating: "9", count: 500), field: "terms_code")
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.hasPrefix("terms_code: ") == true)
    #expect((error?.message.utf8.count ?? 1000) < 200)  // the input is not echoed in full
  }

  @Test("due dates: net n days, 2/10 net 30 with its discount date, end of month (February, leap)")
  func dueDates() throws {
    let net30 = try #require(PaymentTerms(code: "NET30"))
    #expect(net30.dueDate(issued: day(2026, 1, 15)) == day(2026, 2, 14))
    #expect(net30.dueDate(issued: day(2026, 12, 15)) == day(2027, 1, 14))
    #expect(net30.discount(issued: day(2026, 1, 15)) == nil)

    let early = try #require(PaymentTerms(code: "2/10NET30"))
    #expect(early.dueDate(issued: day(2026, 3, 5)) == day(2026, 4, 4))
    let discount = try #require(early.discount(issued: day(2026, 3, 5)))
    #expect(discount.date == day(2026, 3, 15))
    #expect(discount.basisPoints == 200)

    let eom = try #require(PaymentTerms(code: "EOM"))
    #expect(eom.dueDate(issued: day(2027, 2, 10)) == day(2027, 2, 28))  // not a leap year
    #expect(eom.dueDate(issued: day(2028, 2, 10)) == day(2028, 2, 29))  // leap year
    #expect(eom.dueDate(issued: day(2100, 2, 1)) == day(2100, 2, 28))  // century, not leap
    #expect(eom.dueDate(issued: day(2000, 2, 1)) == day(2000, 2, 29))  // 400th year, leap
    #expect(eom.dueDate(issued: day(2026, 12, 31)) == day(2026, 12, 31))
    #expect(eom.dueDate(issued: day(2026, 4, 1)) == day(2026, 4, 30))

    let afterEOM = try #require(PaymentTerms(code: "NET30EOM"))
    #expect(afterEOM.dueDate(issued: day(2028, 1, 20)) == day(2028, 3, 1))  // Jan 31 + 30, leap
    #expect(afterEOM.dueDate(issued: day(2027, 1, 20)) == day(2027, 3, 2))
    #expect(afterEOM.dueDate(issued: day(2026, 12, 2)) == day(2027, 1, 30))
  }

  @Test("invoices and bills without a due date take the party's terms or the tenant default")
  func invoicesTakeTheTerms() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      // The defaults start at NET30 for both directions.
      var ask = Erp_Finance_V1_GetPartyTermsRequest()
      ask.direction = .receivable
      ask.partyID = "cust-new"
      let fresh = try await billing.getPartyTerms(ask)
      #expect(fresh.termsCode == "NET30")
      #expect(!fresh.ownTerms)
      #expect(!fresh.hasCreditLimit)

      _ = try await billing.setPartyTerms(Self.terms(.receivable, "", "eom"))
      _ = try await billing.setPartyTerms(Self.terms(.receivable, "cust-early", "2/10 net 30"))
      _ = try await billing.setPartyTerms(Self.terms(.payable, "SUP-1", "NET45"))

      let defaulted = try await billing.issueInvoice(
        Self.invoice("t-1", .receivable, "cust-new", issued: Build.date(2028, 2, 10))
      )
      #expect(defaulted.dueDate == Build.date(2028, 2, 29))
      #expect(defaulted.paymentTermsCode == "EOM")
      #expect(!defaulted.hasDiscountDate)

      let early = try await billing.issueInvoice(
        Self.invoice("t-2", .receivable, "cust-early", issued: Build.date(2027, 2, 10))
      )
      #expect(early.dueDate == Build.date(2027, 3, 12))
      #expect(early.paymentTermsCode == "2/10NET30")
      #expect(early.discountDate == Build.date(2027, 2, 20))
      #expect(early.discountBasisPoints == 200)

      let bill = try await billing.issueInvoice(
        Self.invoice("t-3", .payable, "SUP-1", issued: Build.date(2027, 1, 1))
      )
      #expect(bill.dueDate == Build.date(2027, 2, 15))
      #expect(bill.paymentTermsCode == "NET45")

      // A due date given wins over the terms.
      var given = Self.invoice("t-4", .receivable, "cust-early", issued: Build.date(2027, 2, 10))
      given.dueDate = Build.date(2027, 2, 11)
      let explicit = try await billing.issueInvoice(given)
      #expect(explicit.dueDate == Build.date(2027, 2, 11))
      #expect(explicit.paymentTermsCode == "")

      // Reading it again gives the same.
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = early.number
      #expect(try await billing.getInvoice(get) == early)

      // Bad terms and limits name their field.
      for (terms, field) in [
        (Self.terms(.receivable, "cust-x", "NET 400"), "terms_code"),
        (Self.terms(.payable, "SUP-1", "NET30", limit: 100_00), "credit_limit"),
        (Self.terms(.receivable, "", "NET30", limit: 100_00), "credit_limit"),
        (Self.terms(.receivable, "cust-x", "NET30", limit: -1), "credit_limit.units_minor"),
        (
          Self.terms(.receivable, "cust-x", "NET30", limit: 1, currency: "USD"),
          "credit_limit.currency_code"
        ),
      ] {
        let error = await #expect(throws: RPCError.self) { try await billing.setPartyTerms(terms) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.hasPrefix(field + ": ") == true, "\(error?.message ?? "")")
      }
    }
  }

  @Test("aged balances bucket by the due date the terms gave, not by the issue date")
  func agedByDueDate() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      _ = try await billing.setPartyTerms(Self.terms(.receivable, "cust-60", "NET60"))
      _ = try await billing.setPartyTerms(Self.terms(.receivable, "cust-eom", "NET30EOM"))
      // Issued 2026-08-01: due 2026-09-30 (NET60) and 2026-09-30 (Aug 31 + 30).
      _ = try await billing.issueInvoice(
        Self.invoice("g-1", .receivable, "cust-60", issued: Build.date(2026, 8, 1))
      )
      _ = try await billing.issueInvoice(
        Self.invoice("g-2", .receivable, "cust-eom", issued: Build.date(2026, 8, 1))
      )
      // Default NET30: due 2026-08-31.
      _ = try await billing.issueInvoice(
        Self.invoice("g-3", .receivable, "cust-30", issued: Build.date(2026, 8, 1))
      )
      var request = Erp_Finance_V1_AgedBalancesRequest()
      request.direction = .receivable
      request.asOf = Build.date(2026, 10, 20)  // 80 days after issue for all three
      let aged = try await billing.agedBalances(request)
      let byParty = Dictionary(uniqueKeysWithValues: aged.parties.map { ($0.partyID, $0) })
      #expect(byParty["cust-60"]?.days030Minor == 115_00)  // 20 days past due
      #expect(byParty["cust-eom"]?.days030Minor == 115_00)
      #expect(byParty["cust-30"]?.days3160Minor == 115_00)  // 50 days past due
      #expect(byParty["cust-30"]?.days030Minor == 0)
    }
  }

  @Test("the credit exposure: open receivables in base currency plus the pending amounts")
  func exposure() async throws {
    try await LedgerHarness.withBilling { billing, ledger in
      _ = try await billing.setPartyTerms(
        Self.terms(.receivable, "cust-c", "NET30", limit: 500_00)
      )
      let terms = try await billing.getPartyTerms(
        {
          var ask = Erp_Finance_V1_GetPartyTermsRequest()
          ask.direction = .receivable
          ask.partyID = "cust-c"
          return ask
        }()
      )
      #expect(terms.ownTerms)
      #expect(terms.creditLimit == Erp_Common_V1_Money(500_00, "SAR"))
      _ = try await billing.issueInvoice(
        Self.invoice("c-1", .receivable, "cust-c", issued: Build.date(2026, 8, 1))
      )
      var rate = Erp_Finance_V1_SetExchangeRateRequest()
      rate.currencyCode = "USD"
      rate.effective = Build.date(2026, 1, 1)
      rate.rate = "3.75"
      _ = try await ledger.setExchangeRate(rate)
      var request = Erp_Finance_V1_GetCreditExposureRequest()
      request.partyID = "cust-c"
      request.pending = [Erp_Common_V1_Money(10_00, "SAR"), Erp_Common_V1_Money(20_00, "USD")]
      let exposure = try await billing.getCreditExposure(request)
      #expect(exposure.baseCurrency == "SAR")
      #expect(exposure.creditLimit == Erp_Common_V1_Money(500_00, "SAR"))
      #expect(exposure.receivables == Erp_Common_V1_Money(115_00, "SAR"))
      #expect(exposure.pending == Erp_Common_V1_Money(85_00, "SAR"))  // 10.00 + 20.00 × 3.75
      #expect(exposure.exposure == Erp_Common_V1_Money(200_00, "SAR"))
      request.partyID = "nobody"
      request.pending = []
      let none = try await billing.getCreditExposure(request)
      #expect(!none.hasCreditLimit)
      #expect(none.exposure.unitsMinor == 0)
    }
  }

  static func terms(
    _ direction: Erp_Finance_V1_Direction,
    _ party: String,
    _ code: String,
    limit: Int64? = nil,
    currency: String = "SAR"
  ) -> Erp_Finance_V1_PartyTerms {
    var terms = Erp_Finance_V1_PartyTerms()
    terms.direction = direction
    terms.partyID = party
    terms.termsCode = code
    if let limit { terms.creditLimit = Erp_Common_V1_Money(limit, currency) }
    return terms
  }

  /// 100.00 at 15 % VAT: 115.00, no due date.
  static func invoice(
    _ requestID: String,
    _ direction: Erp_Finance_V1_Direction,
    _ party: String,
    issued: Erp_Common_V1_Date
  ) -> Erp_Finance_V1_IssueInvoiceRequest {
    var request = Erp_Finance_V1_IssueInvoiceRequest()
    request.requestID = requestID
    request.direction = direction
    request.partyID = party
    request.partyName = "شركة الأمل"
    request.currencyCode = "SAR"
    request.issueDate = issued
    var line = Erp_Finance_V1_InvoiceLine()
    line.description_p = "خدمة"
    line.quantityMilli = 1_000
    line.unitPriceMinor = 100_00
    line.taxCode = "STD"
    if direction == .payable { line.accountRole = "inventory" }
    request.lines = [line]
    return request
  }
}

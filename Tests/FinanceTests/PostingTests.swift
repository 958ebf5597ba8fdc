import ERPProtos
import ERPStore
import GRPCCore
import Testing

@Suite("Finance: posting journal entries")
struct PostingTests {
  @Test("a balanced entry posts, shows in the trial balance, and a repeat changes nothing")
  func postAndRepeat() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      let request = Build.entry(
        "sale-1",
        [
          Build.debit("1100", 115_00, "SAR"), Build.credit("4100", 100_00, "SAR"),
          Build.credit("2200", 15_00, "SAR"),
        ]
      )
      let first = try await ledger.postEntry(request)
      #expect(first.number.hasPrefix("JE-"))
      #expect(first.lines.count == 3)
      #expect(first.lines[0].baseDebit.unitsMinor == 115_00)
      #expect(first.lines[0].baseDebit.currencyCode == "SAR")

      let again = try await ledger.postEntry(request)
      #expect(again.number == first.number)

      let balance = try await Build.trialBalance(ledger)
      #expect(balance.baseCurrency == "SAR")
      #expect(balance.totalDebitMinor == 115_00)
      #expect(balance.totalCreditMinor == 115_00)
      #expect(balance.lines.map(\.accountCode) == ["1100", "2200", "4100"])

      var changed = request
      changed.lines[0].debit.unitsMinor = 116_00
      changed.lines[1].credit.unitsMinor = 101_00
      let conflict = await #expect(throws: RPCError.self) { try await ledger.postEntry(changed) }
      #expect(conflict?.code == .invalidArgument)
      #expect(conflict?.message.contains("request_id") == true)

      var get = Erp_Finance_V1_GetEntryRequest()
      get.number = first.number
      let read = try await ledger.getEntry(get)
      #expect(read.lines.map(\.accountCode) == ["1100", "4100", "2200"])
      #expect(read.requestID == "sale-1")
    }
  }

  @Test(
    "bad entries are refused with the field and the problem named",
    arguments: [
      (
        [Build.debit("1100", 100, "SAR"), Build.credit("4100", 90, "SAR")],
        "lines: debits and credits differ in SAR: debits 1.00 SAR, credits 0.90 SAR"
      ),
      ([Build.debit("1100", 100, "SAR")], "lines: an entry needs at least two lines"),
      (
        [Build.debit("1100", 100, "SAR"), Build.credit("9999", 100, "SAR")],
        "lines[1].account_code: no account \"9999\""
      ),
      (
        [Build.debit("1100", -100, "SAR"), Build.credit("4100", -100, "SAR")],
        "lines[0].debit.units_minor: must be positive (-100)"
      ),
      (
        [Build.debit("1100", 100, "XXX"), Build.credit("4100", 100, "XXX")],
        "lines[0].debit.currency_code: \"XXX\" is not an ISO 4217 currency code"
      ),
    ]
  )
  func refusals(lines: [Erp_Finance_V1_EntryLine], message: String) async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      let error = await #expect(throws: RPCError.self) {
        try await ledger.postEntry(Build.entry("bad", lines))
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == message)
      let balance = try await Build.trialBalance(ledger)
      #expect(balance.lines.isEmpty)
    }
  }

  @Test("a closed month refuses postings until reopened")
  func closedPeriod() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      var period = Erp_Finance_V1_PeriodRequest()
      period.year = 2026
      period.month = 10
      #expect(try await ledger.closePeriod(period).closed)
      let lines = [Build.debit("1100", 500, "SAR"), Build.credit("3100", 500, "SAR")]
      let refused = await #expect(throws: RPCError.self) {
        try await ledger.postEntry(Build.entry("oct", on: Build.date(2026, 10, 31), lines))
      }
      #expect(refused?.code == .failedPrecondition)
      #expect(refused?.message == "date: the period 2026-10 is closed")
      // November is open.
      _ = try await ledger.postEntry(Build.entry("nov", on: Build.date(2026, 11, 1), lines))
      #expect(try await ledger.reopenPeriod(period).closed == false)
      _ = try await ledger.postEntry(Build.entry("oct", on: Build.date(2026, 10, 31), lines))
      #expect(try await Build.trialBalance(ledger).totalDebitMinor == 1000)
    }
  }

  @Test("KWD (3 decimals) and JPY (0 decimals) are exact; rounding is posted explicitly")
  func currencies() async throws {
    try await LedgerHarness.run(baseCurrency: "KWD") { ledger, _, _ in
      var rate = Erp_Finance_V1_SetExchangeRateRequest()
      rate.currencyCode = "JPY"
      rate.effective = Build.date(2026, 11, 1)
      rate.rate = "0.00205"
      #expect(try await ledger.setExchangeRate(rate).rate == "0.00205")

      // Three debits of 333, 333 and 334 yen: 0.683, 0.683 and 0.685 KWD (0.68265, 0.68265,
      // 0.6847 rounded), 2.051 in all; the credit of 1,000 yen is 2.050 KWD. One fils of rounding.
      let posted = try await ledger.postEntry(
        Build.entry(
          "yen",
          [
            Build.debit("5300", 333, "JPY"), Build.debit("5300", 333, "JPY"),
            Build.debit("5300", 334, "JPY"), Build.credit("1100", 1000, "JPY"),
          ]
        )
      )
      #expect(posted.lines.count == 5)
      #expect(
        posted.lines.map { $0.debit.unitsMinor + $0.credit.unitsMinor }.prefix(4) == [
          333, 333, 334, 1000,
        ]
      )
      #expect(posted.lines[0].baseDebit == Erp_Common_V1_Money(683, "KWD"))
      #expect(posted.lines[3].baseCredit == Erp_Common_V1_Money(2050, "KWD"))
      let rounding = posted.lines[4]
      #expect(rounding.accountCode == "5800")
      #expect(rounding.baseCredit == Erp_Common_V1_Money(1, "KWD"))

      _ = try await ledger.postEntry(
        Build.entry(
          "fils",
          [Build.debit("1100", 1_234_567, "KWD"), Build.credit("3100", 1_234_567, "KWD")]
        )
      )
      let balance = try await Build.trialBalance(ledger)
      #expect(balance.totalDebitMinor == balance.totalCreditMinor)
      #expect(balance.lines.first { $0.accountCode == "3100" }?.creditMinor == 1_234_567)

      var get = Erp_Finance_V1_GetEntryRequest()
      get.number = posted.number
      let read = try await ledger.getEntry(get)
      #expect(read.lines == posted.lines)

      rate.currencyCode = "EUR"
      rate.rate = "0,33"
      let badRate = await #expect(throws: RPCError.self) { try await ledger.setExchangeRate(rate) }
      #expect(badRate?.message.hasPrefix("rate:") == true)
      let noRate = await #expect(throws: RPCError.self) {
        try await ledger.postEntry(
          Build.entry("eur", [Build.debit("1100", 100, "EUR"), Build.credit("3100", 100, "EUR")])
        )
      }
      #expect(noRate?.code == .failedPrecondition)
      #expect(noRate?.message.contains("no exchange rate for EUR") == true)
    }
  }

  @Test("a reversal cancels the entry exactly, once")
  func reversal() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, _, _ in
      let entry = try await ledger.postEntry(
        Build.entry("r1", [Build.debit("1200", 5000, "SAR"), Build.credit("4100", 5000, "SAR")])
      )
      var reverse = Erp_Finance_V1_ReverseEntryRequest()
      reverse.requestID = "r1-reversal"
      reverse.number = entry.number
      let reversal = try await ledger.reverseEntry(reverse)
      #expect(reversal.reverses == entry.number)
      #expect(reversal.lines[0].credit.unitsMinor == 5000)
      #expect(try await ledger.reverseEntry(reverse).number == reversal.number)  // idempotent
      #expect(try await Build.trialBalance(ledger).lines.isEmpty)

      reverse.requestID = "r1-again"
      let twice = await #expect(throws: RPCError.self) { try await ledger.reverseEntry(reverse) }
      #expect(twice?.code == .failedPrecondition)
      #expect(twice?.message.contains("already reversed by \(reversal.number)") == true)

      var get = Erp_Finance_V1_GetEntryRequest()
      get.number = entry.number
      #expect(try await ledger.getEntry(get).reversedBy == reversal.number)
    }
  }

  @Test("the database itself refuses unbalanced and altered entries")
  func databaseRules() async throws {
    try await LedgerHarness.run(baseCurrency: "SAR") { ledger, pool, tenant in
      let entry = try await ledger.postEntry(
        Build.entry("db", [Build.debit("1100", 700, "SAR"), Build.credit("4100", 700, "SAR")])
      )
      let unbalanced = await #expect(throws: PostgresError.self) {
        try await pool.withTenant(tenant) { session in
          let rows = try await session.query(
            """
            INSERT INTO journal_entry (number, request_id, content_hash, entry_date)
            VALUES ('X-1', 'sql', 'h', '2026-11-10') RETURNING id
            """
          )
          let id = try rows[0].decode("id", as: Int64.self)
          try await session.query(
            """
            INSERT INTO journal_line (entry_id, line_no, account_id, entry_date, currency,
              amount_minor, base_amount_minor, rate)
            SELECT $1, 1, id, '2026-11-10', 'SAR', 100, 100, 1 FROM account WHERE code = '1100'
            """,
            [id]
          )
        }
      }
      #expect(unbalanced?.sqlState == "23514")
      #expect(unbalanced?.constraint == "journal_entry_balanced")
      let altered = await #expect(throws: PostgresError.self) {
        try await pool.withTenant(tenant) { session in
          try await session.query("UPDATE journal_line SET amount_minor = 1 WHERE line_no = 1")
        }
      }
      #expect(altered?.constraint == "journal_immutable")
      let deleted = await #expect(throws: PostgresError.self) {
        try await pool.withTenant(tenant) { session in
          try await session.query("DELETE FROM journal_entry WHERE number = $1", [entry.number])
        }
      }
      #expect(deleted?.constraint == "journal_immutable")
    }
  }
}

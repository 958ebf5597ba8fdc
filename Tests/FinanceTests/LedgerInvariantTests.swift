import ERPProtos
import ERPStore
import GRPCCore
import Testing

@Suite("Finance: the ledger's invariants under concurrency")
struct LedgerInvariantTests {
  @Test(
    "concurrent postings with repeated request ids: each entry once, books balance, balances agree"
  )
  func bankStyle() async throws {
    try await LedgerHarness.run(baseCurrency: "KWD") { ledger, pool, tenant in
      var rate = Erp_Finance_V1_SetExchangeRateRequest()
      rate.currencyCode = "USD"
      rate.effective = Build.date(2026, 1, 1)
      rate.rate = "0.30712"
      _ = try await ledger.setExchangeRate(rate)

      // 16 tasks; each request id is sent by two tasks and retried once, so every id arrives
      // four times, concurrently.
      let ids = (0..<80).map { "req-\($0)" }
      func request(_ id: String) -> Erp_Finance_V1_PostEntryRequest {
        let n = Int64(id.dropFirst(4))! + 1
        let month = Int(n % 3) + 9
        let currency = n % 2 == 0 ? "USD" : "KWD"
        return Build.entry(
          id,
          on: Build.date(2026, month, Int(n % 27) + 1),
          [
            Build.debit("1200", n * 1_001, currency), Build.debit("1400", n * 7, currency),
            Build.credit("4100", n * 1_003, currency), Build.credit("2200", n * 5, currency),
          ]
        )
      }
      let acknowledged = try await withThrowingTaskGroup(of: [String: String].self) { group in
        for task in 0..<16 {
          group.addTask {
            var seen: [String: String] = [:]
            for (index, id) in ids.enumerated() where index % 8 == task % 8 {
              for _ in 0..<2 {
                let entry = try await ledger.postEntry(request(id))
                if let earlier = seen[id] { #expect(earlier == entry.number) }
                seen[id] = entry.number
              }
            }
            return seen
          }
        }
        var all: [String: String] = [:]
        for try await seen in group {
          for (id, number) in seen {
            if let other = all[id] { #expect(other == number, "\(id) got two entries") }
            all[id] = number
          }
        }
        return all
      }
      #expect(acknowledged.count == ids.count)

      let counts = try await pool.tenantQuery(
        tenant,
        "SELECT count(*) AS entries, count(DISTINCT request_id) AS ids FROM journal_entry"
      )
      #expect(try counts[0].decode("entries", as: Int.self) == ids.count)
      #expect(try counts[0].decode("ids", as: Int.self) == ids.count)

      // Zero in every currency and in base.
      let sums = try await pool.tenantQuery(
        tenant,
        "SELECT currency, sum(amount_minor)::bigint AS total, sum(base_amount_minor)::bigint AS base "
          + "FROM journal_line GROUP BY currency"
      )
      for row in sums { #expect(try row.decode("total", as: Int64.self) == 0) }
      #expect(try sums.map { try $0.decode("base", as: Int64.self) }.reduce(0, +) == 0)
      let balance = try await Build.trialBalance(ledger)
      #expect(balance.totalDebitMinor == balance.totalCreditMinor)
      #expect(balance.totalDebitMinor > 0)

      // The maintained balances equal the naive aggregate over every line, both ways.
      let differences = try await pool.tenantQuery(
        tenant,
        """
        WITH maintained AS (
          SELECT account_id, year, month, currency, sum(amount_minor) AS amount,
            sum(base_amount_minor) AS base
          FROM account_balance GROUP BY 1, 2, 3, 4),
        naive AS (
          SELECT account_id, extract(year FROM entry_date)::int AS year,
            extract(month FROM entry_date)::int AS month, currency,
            sum(amount_minor) AS amount, sum(base_amount_minor) AS base
          FROM journal_line GROUP BY 1, 2, 3, 4)
        SELECT count(*) AS n FROM (
          (SELECT * FROM maintained EXCEPT SELECT * FROM naive)
          UNION ALL (SELECT * FROM naive EXCEPT SELECT * FROM maintained)) d
        """
      )
      #expect(try differences[0].decode("n", as: Int.self) == 0)

      // The trial balance as of a date inside a month agrees with the naive sum up to that date.
      let asOf = Build.date(2026, 10, 15)
      let partial = try await Build.trialBalance(ledger, asOf: asOf)
      let naive = try await pool.tenantQuery(
        tenant,
        """
        SELECT a.code, sum(l.base_amount_minor)::bigint AS net FROM journal_line l
        JOIN account a ON a.id = l.account_id WHERE l.entry_date <= '2026-10-15'
        GROUP BY a.code HAVING sum(l.base_amount_minor) <> 0 ORDER BY a.code
        """
      )
      #expect(
        partial.lines.map(\.accountCode)
          == (try naive.map { try $0.decode("code", as: String.self) })
      )
      #expect(
        partial.lines.map { $0.debitMinor - $0.creditMinor }
          == (try naive.map { try $0.decode("net", as: Int64.self) })
      )
    }
  }
}

import BenchmarkSupport
import ERPProtos
import ERPStore
import Finance

/// The trial balance at 1,000,000 journal lines (250,000 balanced four-line entries over twelve
/// months, 20 accounts) against the naive aggregate over every line, one SQL statement sent
/// through libpq. The ledger is filled in bulk by SQL with every database rule active (the
/// balance trigger checks each entry at commit), and the maintained balances are built from the
/// lines; the run first checks that both answers agree.
enum TrialBalanceBench {
  static func run(_ server: BenchServer, lines: Int) async throws -> Double {
    let (pool, tenant) = try await server.financeTenant("bench_trial", connections: 2)
    let entries = lines / 4
    say("filling \(lines) lines…")
    let fill = ContinuousClock.now
    let batch = 25_000
    for start in stride(from: 0, to: entries, by: batch) {
      try await pool.withTenant(tenant) { session in
        try await session.query(
          """
          WITH new AS (
            INSERT INTO journal_entry (number, request_id, content_hash, entry_date, memo)
            SELECT 'B-' || g, 'bench-' || g, 'h', make_date(2026, 1 + g % 12, 1 + g % 28), 'bench'
            FROM generate_series($1::int, $2::int) g
            RETURNING id, entry_date)
          INSERT INTO journal_line (entry_id, line_no, account_id, entry_date, currency,
            amount_minor, base_amount_minor, rate)
          SELECT new.id, k, a.id, new.entry_date, 'USD', v.amount, v.amount, 1
          FROM new
          CROSS JOIN LATERAL (VALUES
            (1, (ARRAY['1100','1200','1300','1400','5100','5200','5300'])[1 + new.id % 7], 1000 + new.id % 97),
            (2, (ARRAY['5100','5200','1300'])[1 + new.id % 3], 500 + new.id % 13),
            (3, (ARRAY['4100','2100','2200','2300','3100'])[1 + new.id % 5], -(1000 + new.id % 97)),
            (4, (ARRAY['2100','4100','2400'])[1 + new.id % 3], -(500 + new.id % 13))
          ) AS v (k, code, amount)
          JOIN account a ON a.code = v.code
          """,
          [start + 1, min(start + batch, entries)]
        )
      }
    }
    try await pool.withTenant(tenant) { session in
      try await session.query(
        """
        INSERT INTO account_balance (account_id, year, month, currency, slot, amount_minor,
          base_amount_minor)
        SELECT account_id, extract(year FROM entry_date)::int, extract(month FROM entry_date)::int,
          currency, 0, sum(amount_minor), sum(base_amount_minor)
        FROM journal_line GROUP BY 1, 2, 3, 4
        """
      )
      try await session.query("ANALYZE journal_line")
      try await session.query("ANALYZE account_balance")
    }
    say("filled in \(Measure.format(Measure.seconds(fill.duration(to: .now)), 1)) s")

    let asOf = CalendarDate(year: 2026, month: 12, day: 15)  // cuts December: lines are read too
    let naiveSQL = """
      SELECT a.code, sum(l.base_amount_minor)::bigint AS net FROM journal_line l
      JOIN account a ON a.id = l.account_id WHERE l.entry_date <= $1
      GROUP BY a.code HAVING sum(l.base_amount_minor) <> 0 ORDER BY a.code
      """
    let naive = try await pool.tenantQuery(tenant, naiveSQL, [asOf])
    let ours = try await TrialBalance.asOf(pool, tenant, asOf)
    let naiveNets = try naive.map { try $0.decode("net", as: Int64.self) }
    let ourNets = ours.lines.map { $0.debitMinor - $0.creditMinor }
    precondition(naiveNets == ourNets, "the trial balance disagrees with the naive aggregate")
    say("both answers agree on \(ours.lines.count) accounts")

    func time(_ runs: Int, _ body: () async throws -> Void) async throws -> Double {
      try await body()  // warm
      let start = ContinuousClock.now
      for _ in 0..<runs { try await body() }
      return Measure.seconds(start.duration(to: .now)) / Double(runs)
    }
    let naiveTime = try await time(5) { _ = try await pool.tenantQuery(tenant, naiveSQL, [asOf]) }
    let oursTime = try await time(20) { _ = try await TrialBalance.asOf(pool, tenant, asOf) }
    let monthEnd = CalendarDate(year: 2026, month: 11, day: 30)
    let monthEndTime = try await time(20) {
      _ = try await TrialBalance.asOf(pool, tenant, monthEnd)
    }
    say("naive aggregate over every line: \(Measure.format(naiveTime * 1000, 1)) ms")
    say(
      "trial balance (as of 15 Dec, reads December's lines): \(Measure.format(oursTime * 1000, 1)) ms"
    )
    say(
      "trial balance at a month end (balances only): \(Measure.format(monthEndTime * 1000, 1)) ms"
    )
    let ratio = oursTime / naiveTime
    say("ratio trial balance / naive aggregate: \(Measure.format(ratio, 3)) (target ≤ 0.2)")
    await pool.shutdown()
    return ratio
  }
}

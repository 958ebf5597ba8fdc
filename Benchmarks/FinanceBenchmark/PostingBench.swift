import BenchmarkSupport
import ERPProtos
import ERPRuntime
import ERPStore
import Finance
import Foundation

/// Posting throughput with 16 concurrent posters against pgbench's TPC-B-like run with 16
/// clients on the same server (scale 16, so pgbench's branch rows are not one hot row either).
/// Ours goes through the whole posting path (validation, idempotency lookup, accounts, period,
/// entry, lines and balance updates pipelined) in one transaction per entry; every entry hits
/// the same four accounts, the case that would serialise on a single balance row.
enum PostingBench {
  static func run(
    _ server: BenchServer,
    clients: Int,
    seconds duration: Int
  ) async throws -> Double {
    let pgbenchDatabase = try await server.database("bench_tpcb")
    _ = try await Pgbench.run(["-i", "-q", "-s", "16"], conninfo: pgbenchDatabase)
    let pgbenchTPS = try Pgbench.tps(
      await Pgbench.run(
        ["-n", "-c", "\(clients)", "-j", "2", "-t", "1500"],
        conninfo: pgbenchDatabase
      )
    )

    let (pool, tenant) = try await server.financeTenant("bench_posting", connections: clients)
    let oursTPS = try await Measure.closedLoop(clients: clients, seconds: duration) {
      client,
      count in
      var request = Erp_Finance_V1_PostEntryRequest()
      request.requestID = "post-\(client)-\(count)"
      request.date.year = 2026
      request.date.month = 11
      request.date.day = Int32(1 + count % 28)
      request.memo = "sale"
      request.lines = [
        Self.line("1200", debit: 115_00), Self.line("4100", credit: 100_00),
        Self.line("2200", credit: 15_00),
      ]
      _ = try await EntryPosting.post(pool, tenant, request)
    }
    await pool.shutdown()
    say("pgbench TPC-B-like, \(clients) clients: \(Measure.format(pgbenchTPS, 0)) tps")
    say("journal postings, \(clients) concurrent: \(Measure.format(oursTPS, 0)) entries/s")
    let ratio = oursTPS / pgbenchTPS
    say("ratio postings / pgbench TPC-B: \(Measure.format(ratio)) (target ≥ 0.5)")
    return ratio
  }

  static func line(
    _ account: String,
    debit: Int64 = 0,
    credit: Int64 = 0
  ) -> Erp_Finance_V1_EntryLine {
    Erp_Finance_V1_EntryLine(account: account, debit: debit, credit: credit, currency: "USD")
  }
}

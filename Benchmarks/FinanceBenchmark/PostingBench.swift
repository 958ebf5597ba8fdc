import ERPProtos
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
    _ server: FinanceBenchServer,
    clients: Int,
    seconds duration: Int
  ) async throws -> Double {
    let pgbenchDatabase = try await server.database("bench_tpcb")
    let bin = try PrivateCluster.binDirectory()
    _ = try Self.pgbench(bin, ["-i", "-q", "-s", "16"], pgbenchDatabase)
    // A count, not -T: pgbench ends -T with SIGALRM, which our threads' inherited mask blocks.
    let output = try Self.pgbench(
      bin,
      ["-n", "-c", "\(clients)", "-j", "2", "-t", "1500"],
      pgbenchDatabase
    )
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("tps = ") }),
      let pgbenchTPS = Double(line.dropFirst(6).prefix { $0 != " " })
    else {
      throw BenchError(description: "no tps in pgbench output:\n\(output)")
    }

    let (pool, tenant) = try await server.financeTenant("bench_posting", connections: clients)
    let deadline = ContinuousClock.now + .seconds(duration)
    let start = ContinuousClock.now
    let posted = try await withThrowingTaskGroup(of: Int.self) { group in
      for client in 0..<clients {
        group.addTask {
          var count = 0
          while ContinuousClock.now < deadline {
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
            count += 1
          }
          return count
        }
      }
      return try await group.reduce(0, +)
    }
    let oursTPS = Double(posted) / seconds(start.duration(to: .now))
    await pool.shutdown()
    say("pgbench TPC-B-like, \(clients) clients: \(format(pgbenchTPS, 0)) tps")
    say("journal postings, \(clients) concurrent: \(format(oursTPS, 0)) entries/s")
    let ratio = oursTPS / pgbenchTPS
    say("ratio postings / pgbench TPC-B: \(format(ratio)) (target ≥ 0.5)")
    return ratio
  }

  static func line(
    _ account: String,
    debit: Int64 = 0,
    credit: Int64 = 0
  ) -> Erp_Finance_V1_EntryLine {
    var line = Erp_Finance_V1_EntryLine()
    line.accountCode = account
    var money = Erp_Common_V1_Money()
    money.currencyCode = "USD"
    money.unitsMinor = debit > 0 ? debit : credit
    if debit > 0 { line.debit = money } else { line.credit = money }
    return line
  }

  static func pgbench(_ bin: String, _ arguments: [String], _ conninfo: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: bin + "/pgbench")
    process.arguments = arguments + [conninfo]
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard process.terminationStatus == 0 else {
      throw BenchError(description: "pgbench \(arguments.joined(separator: " ")) failed:\n\(text)")
    }
    return text
  }
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
}

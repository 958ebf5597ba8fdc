import BenchmarkSupport
// Finance benchmarks, each against a reference measured in the same run, each ending with its
// ratio. Usage: erp-bench-finance [trial|posting|all] (default all); `make bench-finance`.
// ERP_BENCH_DATABASE_URL points them at a server of your own (keyword form); otherwise a private
// durable cluster is started in a temporary folder and removed afterwards.
import ERPStore
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let server = try await BenchServer.start(label: "finance")
do {
  if which == "trial" || which == "all" {
    say("== trial balance over 1,000,000 journal lines")
    _ = try await TrialBalanceBench.run(server, lines: 1_000_000)
  }
  if which == "posting" || which == "all" {
    say("== posting throughput at concurrency 16")
    _ = try await PostingBench.run(server, clients: 16, seconds: 15)
  }
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

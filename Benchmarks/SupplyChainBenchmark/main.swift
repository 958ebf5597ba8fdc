import BenchmarkSupport
// Supply chain benchmarks against a reference measured in the same run, ending with the ratio.
// Usage: erp-bench-supplychain; `make bench-supplychain`. ERP_BENCH_DATABASE_URL points it at a
// server of your own (keyword form); otherwise a private durable cluster is started in a
// temporary folder and removed afterwards.
import Foundation

let server = try await BenchServer.start(label: "supplychain")
do {
  say("== reservations at concurrency 16: one hot item, 1,000 items, pgbench TPC-B-like")
  _ = try await ReservationBench.run(server, clients: 16, seconds: 15)
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

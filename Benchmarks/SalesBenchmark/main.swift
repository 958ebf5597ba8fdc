import BenchmarkSupport
// The sales benchmark: confirming orders end to end across four services, against pgbench's
// TPC-B-like run on the same server; the last line is the ratio. `make bench-sales`.
// ERP_BENCH_DATABASE_URL points it at a server of your own (keyword form); otherwise a private
// durable cluster is started in a temporary folder and removed afterwards.
import Foundation

let server = try await BenchServer.start(label: "sales")
do {
  say("== confirm order end to end at concurrency 16 (sales → customers, supply chain)")
  _ = try await ConfirmBench.run(server, clients: 16, orders: 3_000)
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

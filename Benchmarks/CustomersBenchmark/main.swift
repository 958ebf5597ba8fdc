import BenchmarkSupport
// Customers benchmarks: import of 100,000 customers through the RPC against PostgreSQL COPY of
// the same rows into the same tables (COPY is the limit), and name search latency over 1,000,000
// customers. Usage: erp-bench-customers [import|search|all]; `make bench-customers`.
// The import ratio is the last line.
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let server = try await BenchServer.start(label: "customers")
do {
  if which == "search" || which == "all" {
    say("== name search over 1,000,000 customers")
    try await SearchBench.run(server, customers: 1_000_000)
  }
  if which == "import" || which == "all" {
    say("== import of 100,000 customers")
    _ = try await ImportBench.run(server, rows: 100_000)
  }
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

import BenchmarkSupport
// The store's benchmarks, each against a reference measured in the same run, each ending with
// its ratio. Usage: erp-bench-store [pipeline|provision|scale|pgbench|all] (default all).
// `make bench-store` runs them in release mode. ERP_BENCH_DATABASE_URL points them at a server
// of your own (keyword form); otherwise a private cluster is started in a temporary folder.
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let database = try await BenchServer.start(label: "store")
do {
  if which == "pipeline" || which == "all" {
    say("== libpq pipeline mode")
    _ = try await PipelineBench.run(database, seconds: 3)
  }
  if which == "provision" || which == "all" {
    say("== provisioning")
    _ = try await TenancyBench.provisioning(database, count: 200)
  }
  if which == "scale" || which == "all" {
    say("== 10 to 10,000 tenants")
    _ = try await TenancyBench.scale(database)
  }
  if which == "pgbench" || which == "all" {
    say("== tenant-scoped reads against pgbench -S")
    _ = try await PgbenchComparison.run(database, seconds: 10, clients: 8)
  }
  await database.stop()
} catch {
  await database.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

import BenchmarkSupport
// The sales benchmark: confirming orders end to end across four services, against pgbench's
// TPC-B-like run on the same server, then the same with tracing exported to a collector; the
// last line is the ratio traced / untraced. `make bench-sales`.
// ERP_BENCH_DATABASE_URL points it at a server of your own (keyword form); otherwise a private
// durable cluster is started in a temporary folder and removed afterwards.
import Foundation

let server = try await BenchServer.start(label: "sales")
do {
  say("== confirm order end to end at concurrency 16 (sales → customers, supply chain)")
  let reference = try await ConfirmBench.pgbench(server, clients: 16)
  let untraced = try await ConfirmBench.run(
    server,
    clients: 16,
    orders: 3_000,
    reference: reference
  )
  say("== the same with every span exported over OTLP/HTTP (sampling 100 %)")
  let traced = try await OTLPSink.run { sink in
    let rate = try await ConfirmBench.run(
      server,
      clients: 16,
      orders: 3_000,
      reference: reference,
      variables: [
        "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_TRACES_SAMPLER": "always_on",
      ]
    )
    say("the collector received \(sink.exports) export requests, \(sink.bytes) bytes")
    return rate
  }
  await server.stop()
  // The last line, which scripts read: the target is at least 0.9.
  say("traced/untraced throughput ratio: \(Measure.format(traced / untraced))")
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

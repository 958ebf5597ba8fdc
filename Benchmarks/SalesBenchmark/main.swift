import BenchmarkSupport
// The sales benchmark: confirming orders end to end across four services, against pgbench's
// TPC-B-like run on the same server, then the same with tracing exported to a collector; the
// last line is the ratio traced / untraced. `make bench-sales`.
// ERP_BENCH_DATABASE_URL points it at a server of your own (keyword form); otherwise a private
// durable cluster is started in a temporary folder and removed afterwards.
import Foundation

/// Untraced and traced runs alternate, `rounds` of each, so that a machine whose load drifts
/// during the run (other work starting or ending) weighs on both sides alike.
let rounds = 2
let server = try await BenchServer.start(label: "sales")
do {
  say("== confirm order end to end at concurrency 16 (sales → customers, supply chain)")
  let reference = try await ConfirmBench.pgbench(server, clients: 16)
  let (untraced, traced) = try await OTLPSink.run { sink in
    var untraced: [Double] = []
    var traced: [Double] = []
    for round in 1...rounds {
      say("== round \(round) of \(rounds): untraced")
      untraced.append(
        try await ConfirmBench.run(server, clients: 16, orders: 1_500, reference: reference)
      )
      say("== round \(round) of \(rounds): every span exported over OTLP/HTTP (sampling 100 %)")
      traced.append(
        try await ConfirmBench.run(
          server,
          clients: 16,
          orders: 1_500,
          reference: reference,
          variables: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_TRACES_SAMPLER": "always_on",
          ]
        )
      )
    }
    say("the collector received \(sink.exports) export requests, \(sink.bytes) bytes")
    return (untraced, traced)
  }
  await server.stop()
  let mean = { (rates: [Double]) in rates.reduce(0, +) / Double(rates.count) }
  say(
    "confirmed orders/s, untraced \(untraced.map { Measure.format($0, 0) }), "
      + "traced \(traced.map { Measure.format($0, 0) })"
  )
  // The last line, which scripts read: the target is at least 0.9.
  say("traced/untraced throughput ratio: \(Measure.format(mean(traced) / mean(untraced)))")
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

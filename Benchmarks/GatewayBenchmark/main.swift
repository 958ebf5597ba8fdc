import BenchmarkSupport
// The gateway benchmark: Customer360 against its slowest single call, a forwarded call against
// the same call made directly; then the same forwarded call through ERPT and HTTP/2 (the last
// line is their p50 ratio). `make bench-gateway`.
import Foundation

let server = try await BenchServer.start(label: "gateway")
do {
  say("== gateway: Customer360 and forwarding, p50 of sequential calls")
  _ = try await GatewayBench.run(server, calls: 300)
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

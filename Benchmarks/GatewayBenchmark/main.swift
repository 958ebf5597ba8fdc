import BenchmarkSupport
// The gateway benchmark: Customer360 against its slowest single call, a forwarded call against
// the same call made directly; then the same forwarded call through the three doors (ERPT,
// gRPC over HTTP/2, JSON), whose p50 ratios are the last two lines. `make bench-gateway`.
// `erp-bench-gateway doors [calls]`: the doors alone; `erp-bench-gateway webhooks`: the webhook
// fan-out alone (WebhookFanOut).
import Foundation

let section = CommandLine.arguments.dropFirst().first
/// `erp-bench-gateway doors <calls>`: fewer calls per door and level (a quick look).
let doorCalls = CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 2_000
let server = try await BenchServer.start(label: "gateway")
do {
  switch section {
  case "webhooks":
    say("== gateway: webhook fan-out to 10 local receivers")
    try await WebhookFanOut.run(server, events: 1_000)
  case "doors":
    say("== gateway: GetCustomer through ERPT, gRPC over HTTP/2 and JSON, c=1 and c=32")
    try await DoorBench.run(server, calls: doorCalls)
  default:
    say("== gateway: Customer360 and forwarding, p50 of sequential calls")
    _ = try await GatewayBench.run(server, calls: 300)
    say("== gateway: GetCustomer through ERPT, gRPC over HTTP/2 and JSON, c=1 and c=32")
    try await DoorBench.run(server, calls: 2_000)
  }
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

import BenchmarkSupport
// The gateway benchmark: Customer360 against its slowest single call, a forwarded call against
// the same call made directly; then the same forwarded call through ERPT, HTTP/2 and the JSON
// door (the last lines are their p50 ratios). `make bench-gateway`.
import Foundation

let server = try await BenchServer.start(label: "gateway")
// `erp-bench-gateway webhooks`: the webhook fan-out alone (WebhookFanOut).
if CommandLine.arguments.dropFirst().first == "webhooks" {
  do {
    say("== gateway: webhook fan-out to 10 local receivers")
    try await WebhookFanOut.run(server, events: 1_000)
    await server.stop()
  } catch {
    await server.stop()
    say("benchmark failed: \(error)")
    exit(1)
  }
  exit(0)
}
do {
  say("== gateway: Customer360 and forwarding, p50 of sequential calls")
  _ = try await GatewayBench.run(server, calls: 300)
  say("== gateway: GetCustomer through ERPT and through the JSON door, c=1 and c=32")
  _ = try await JSONDoorBench.run(server, calls: 2000)
  await server.stop()
} catch {
  await server.stop()
  say("benchmark failed: \(error)")
  exit(1)
}

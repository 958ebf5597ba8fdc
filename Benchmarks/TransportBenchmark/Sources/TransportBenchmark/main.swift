// Unary echo over four transports, in one run, so their ratios compare like with like:
// (a) ERPTransport (ours), (b) grpc-swift-nio-transport's HTTP/2, (c) GRPCCore's in-process
// transport (the ceiling for any transport under GRPCCore), (d) raw SwiftNIO length-prefixed echo
// (the machine's limit). Usage: transport-benchmark [seconds per measurement, default 3]
import Foundation

/// Prints a line at once (stdout to a pipe is block-buffered, and a long run should show progress).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 3
let contenders: [(name: String, start: () async throws -> Contender)] = [
  ("erp-tcp", Contenders.erp),
  ("grpc-http2", Contenders.http2),
  ("in-process", Contenders.inProcess),
  ("raw-nio", Contenders.raw),
]
// BENCH_ONLY=erp-tcp (say) runs one contender alone, for profiling; the ratios need all four.
let only = ProcessInfo.processInfo.environment["BENCH_ONLY"]
let shapes: [(size: Int, concurrency: Int)] = [
  (256, 1), (256, 64), (16 * 1024, 1), (16 * 1024, 64),
]

struct Key: Hashable {
  var name: String
  var size: Int
  var concurrency: Int
}
var results: [Key: LoadRun.Result] = [:]

func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

say(
  pad("transport", 12) + pad("payload", 9) + pad("conc", 6) + pad("calls/s", 11) + pad("p50 µs", 10)
    + "p99 µs"
)
let onlyConcurrency = ProcessInfo.processInfo.environment["BENCH_CONCURRENCY"].flatMap(Int.init)
for contender in contenders where only == nil || only == contender.name {
  let running = try await contender.start()
  for shape in shapes where onlyConcurrency == nil || onlyConcurrency == shape.concurrency {
    let payload = [UInt8](repeating: 0x61, count: shape.size)
    let load = LoadRun(
      concurrency: shape.concurrency,
      duration: .milliseconds(Int64(seconds * 1000))
    )
    let result = try await load.run { try await running.call(payload) }
    let failed = failures.exchange(0, ordering: .relaxed)
    if failed > 0 { say("  (\(contender.name): \(failed) calls failed and were not counted)") }
    results[Key(name: contender.name, size: shape.size, concurrency: shape.concurrency)] = result
    say(
      pad(contender.name, 12) + pad(shape.size == 256 ? "256 B" : "16 KiB", 9)
        + pad("\(shape.concurrency)", 6) + pad(String(format: "%.0f", result.callsPerSecond), 11)
        + pad(String(format: "%.0f", result.p50.microseconds), 10)
        + String(format: "%.0f", result.p99.microseconds)
    )
  }
  await running.stop()
}

if only != nil { exit(0) }

@MainActor func throughput(_ name: String) -> Double {
  results[Key(name: name, size: 256, concurrency: 64)]!.callsPerSecond
}
@MainActor func p50(_ name: String) -> Double {
  results[Key(name: name, size: 256, concurrency: 1)]!.p50.microseconds
}
say(
  String(
    format: "tcp/http2 throughput ratio: %.2f",
    throughput("erp-tcp") / throughput("grpc-http2")
  )
)
say(
  String(
    format: "tcp/inprocess throughput ratio: %.2f",
    throughput("erp-tcp") / throughput("in-process")
  )
)
say(String(format: "tcp/raw p50 latency ratio: %.2f", p50("erp-tcp") / p50("raw-nio")))

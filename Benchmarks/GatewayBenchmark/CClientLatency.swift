import BenchmarkSupport
import ERPDevCluster
import Foundation

/// The C partner client (`Clients/C`, built by `make c-client`) timing the same forwarded call
/// the Swift client times, so the two clients are compared in one run.
enum CClientLatency {
  /// p50 in milliseconds of `calls` sequential GetCustomer calls by `erpt-probe bench`.
  static func p50(
    gatewayPort: Int,
    key: String,
    customer: String,
    calls: Int
  ) async throws
    -> Double
  {
    let probe = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent(".build/c-client/erpt-probe").path
    guard FileManager.default.isExecutableFile(atPath: probe) else {
      throw BenchError(description: "\(probe) is missing: run `make c-client` first")
    }
    let output = try await ChildProcess.run(
      probe,
      ["127.0.0.1", "\(gatewayPort)", "bench", key, customer, "\(calls)"]
    )
    guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("p50_ms=") }),
      let p50 = Double(line.dropFirst(7))
    else {
      throw BenchError(description: "erpt-probe bench failed:\n\(output)")
    }
    return p50
  }
}

import Foundation

/// Prints a line at once (stdout to a pipe is block-buffered; a long run should show progress).
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Timing helpers for the benchmarks: wall time, and latency percentiles.
enum Measure {
  static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  /// Runs `body` and returns how long it took, in seconds.
  static func time(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return self.seconds(start.duration(to: .now))
  }

  /// The `p`-th percentile (0…1) of `samples`, in microseconds.
  static func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e6
  }

  static func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
  }
}

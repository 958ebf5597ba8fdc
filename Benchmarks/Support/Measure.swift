import Foundation

/// Prints a line at once (stdout to a pipe is block-buffered; a long run should show progress).
public func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Timing helpers for the benchmarks: wall time, and latency percentiles.
public enum Measure {
  public static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
  }

  /// Runs `body` and returns how long it took, in seconds.
  public static func time(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    return self.seconds(start.duration(to: .now))
  }

  /// The `p`-th percentile (0…1) of `samples`, in microseconds.
  public static func percentile(_ samples: [Double], _ p: Double) -> Double {
    let sorted = samples.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e6
  }

  public static func format(_ value: Double, _ digits: Int = 2) -> String {
    String(format: "%.\(digits)f", value)
  }

  /// Calls per second of `clients` tasks each running `body(client, n)` back to back for
  /// `seconds` (n counts that client's calls from 0).
  public static func closedLoop(
    clients: Int,
    seconds: Int,
    _ body: @escaping @Sendable (Int, Int) async throws -> Void
  ) async throws -> Double {
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let count = try await withThrowingTaskGroup(of: Int.self) { group in
      for client in 0..<clients {
        group.addTask {
          var count = 0
          while ContinuousClock.now < deadline {
            try await body(client, count)
            count += 1
          }
          return count
        }
      }
      return try await group.reduce(0, +)
    }
    return Double(count) / Self.seconds(start.duration(to: .now))
  }
}

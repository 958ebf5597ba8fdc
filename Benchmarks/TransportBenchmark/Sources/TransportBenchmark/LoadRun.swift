import Synchronization

/// Calls that failed during the run (reported, never counted as throughput).
let failures = Atomic<Int>(0)

/// Drives `call` from `concurrency` tasks for a fixed time and summarises what it measured.
struct LoadRun {
  struct Result {
    var calls: Int
    var seconds: Double
    var p50: Duration
    var p99: Duration
    var callsPerSecond: Double { Double(self.calls) / self.seconds }
  }

  var concurrency: Int
  var warmup: Duration = .milliseconds(500)
  var duration: Duration = .seconds(3)

  func run(_ call: @escaping @Sendable () async throws -> Void) async throws -> Result {
    let clock = ContinuousClock()
    // Warm up: connections, caches, allocator pools.
    let warmupEnd = clock.now + self.warmup
    try await self.drive(until: warmupEnd, call)
    let start = clock.now
    let latencies = try await self.drive(until: start + self.duration, call)
    let elapsed = clock.now - start
    let sorted = latencies.sorted()
    guard !sorted.isEmpty else { return Result(calls: 0, seconds: 1, p50: .zero, p99: .zero) }
    return Result(
      calls: sorted.count,
      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
      p50: sorted[sorted.count / 2],
      p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    )
  }

  @discardableResult
  private func drive(
    until end: ContinuousClock.Instant,
    _ call: @escaping @Sendable () async throws -> Void
  ) async throws -> [Duration] {
    try await withThrowingTaskGroup(of: [Duration].self) { group in
      for _ in 0..<self.concurrency {
        group.addTask {
          let clock = ContinuousClock()
          var latencies: [Duration] = []
          latencies.reserveCapacity(100_000)
          while clock.now < end {
            let started = clock.now
            do {
              try await call()
              latencies.append(clock.now - started)
            } catch {
              // A failed call is not counted; a contender that fails every call shows 0 calls/s.
              failures.add(1, ordering: .relaxed)
            }
          }
          return latencies
        }
      }
      var all: [Duration] = []
      for try await part in group { all += part }
      return all
    }
  }
}

extension Duration {
  var microseconds: Double {
    Double(self.components.seconds) * 1e6 + Double(self.components.attoseconds) / 1e12
  }
}

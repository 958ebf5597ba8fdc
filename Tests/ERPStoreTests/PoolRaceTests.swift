import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@testable import ERPStore

@Suite("Pool waiters always end: timeout and cancellation")
struct PoolRaceTests {
  /// A waiter on an exhausted pool must get UNAVAILABLE at its timeout, however short: the
  /// timer used to be armed before the waiter was queued, so a timer that fired in between
  /// found no waiter and the waiter then waited forever.
  @Test("every waiter on an exhausted pool gets its timeout")
  func everyWaiterTimesOut() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .nanoseconds(1)
    }
    let release = AsyncStream<Void>.makeStream()
    let holding = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        try await pool.withSession { _ in
          await holding.increment()
          for await _ in release.stream { break }
        }
      }
      while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
      let ended = Counter()
      let unavailable = Counter()
      let waiters = Task {
        await withTaskGroup(of: Void.self) { waiters in
          for _ in 0..<300 {
            waiters.addTask {
              do {
                try await pool.withSession { _ in }
              } catch let error as RPCError where error.code == .unavailable {
                await unavailable.increment()
              } catch {}
              await ended.increment()
            }
          }
        }
      }
      // A watchdog, not a measurement: every waiter ends well within this when it is timed out.
      let limit = ContinuousClock.now + .seconds(20)
      while await ended.value < 300, ContinuousClock.now < limit {
        try await Task.sleep(for: .milliseconds(20))
      }
      #expect(await ended.value == 300, "waiters stuck past their timeout")
      #expect(await unavailable.value == 300)
      release.continuation.finish()
      waiters.cancel()
      try await group.waitForAll()
    }
    await pool.shutdown()
  }

  @Test("a task cancelled before it waits is not queued forever")
  func cancelledBeforeWaiting() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .seconds(60)
    }
    let release = AsyncStream<Void>.makeStream()
    let holding = Counter()
    let holder = Task {
      try await pool.withSession { _ in
        await holding.increment()
        for await _ in release.stream { break }
      }
    }
    while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
    let ended = Counter()
    let waiter = Task {
      withUnsafeCurrentTask { $0?.cancel() }
      let result = await Result.capturing { try await pool.withSession { _ in } }
      await ended.increment()
      return result
    }
    let limit = ContinuousClock.now + .seconds(10)
    while await ended.value == 0, ContinuousClock.now < limit {
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(await ended.value == 1, "a cancelled waiter stayed queued")
    release.continuation.finish()
    _ = try await holder.value
    if case .success = await waiter.value { Issue.record("a cancelled waiter got a connection") }
    await pool.shutdown()
  }
}

extension Result where Failure == any Error {
  static func capturing(_ body: () async throws -> Success) async -> Self {
    do { return .success(try await body()) } catch { return .failure(error) }
  }
}

@Suite("Pool waiters: the descheduled-waiter ordering, on purpose")
struct PoolOrderingTests {
  /// The race of the old code, made to happen: the waiting thread stops just before queueing
  /// until its deadline has passed (where the old code's timer had already been armed and had
  /// fired at nothing). The waiter must still get its timeout.
  @Test("a waiter descheduled past its deadline before queueing still times out")
  func descheduledBeforeQueueing() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .milliseconds(50)
      $0.beforeQueueing = { deadline in
        while ContinuousClock.now < deadline + .milliseconds(20) { usleep(1_000) }
      }
    }
    let release = AsyncStream<Void>.makeStream()
    let holding = Counter()
    let holder = Task {
      try await pool.withSession { _ in
        await holding.increment()
        for await _ in release.stream { break }
      }
    }
    while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
    let ended = Counter()
    let waiter = Task {
      let result = await Result.capturing { try await pool.withSession { _ in } }
      await ended.increment()
      return result
    }
    #expect(try await eventually(within: .seconds(10)) { await ended.value == 1 })
    release.continuation.finish()
    _ = try await holder.value
    guard case .failure(let error as RPCError) = await waiter.value else {
      Issue.record("the waiter did not time out")
      return
    }
    #expect(error.code == .unavailable)
    #expect(pool.statistics.acquireTimeouts == 1)
    await pool.shutdown()
  }
}

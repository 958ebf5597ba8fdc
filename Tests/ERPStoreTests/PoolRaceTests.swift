import ERPTestSupport
import Foundation
import Testing

@testable import ERPStore

@Suite("Pool waiters always end: timeout and cancellation")
struct PoolRaceTests {
  /// A waiter on an exhausted pool must get its acquisition timeout, however short: the
  /// timer used to be armed before the waiter was queued, so a timer that fired in between
  /// found no waiter and the waiter then waited forever.
  @Test("every waiter on an exhausted pool gets its timeout")
  func everyWaiterTimesOut() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .nanoseconds(1)
    }
    let (release, holder) = try await holdingOnlyConnection(pool)
    let ended = Counter()
    let unavailable = Counter()
    let waiters = Task {
      await withTaskGroup(of: Void.self) { waiters in
        for _ in 0..<300 {
          waiters.addTask {
            do {
              try await pool.withSession { _ in }
            } catch let error as StoreError where error.kind == .acquireTimeout {
              await unavailable.increment()
            } catch {}
            await ended.increment()
          }
        }
      }
    }
    // A watchdog, not a measurement: every waiter ends well within this when it is timed out.
    #expect(try await eventually(within: .seconds(20)) { await ended.value == 300 })
    #expect(await unavailable.value == 300)
    release.finish()
    waiters.cancel()
    try await holder.value
    await pool.shutdown()
  }

  @Test("a task cancelled before it waits is not queued forever")
  func cancelledBeforeWaiting() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1) {
      $0.acquireTimeout = .seconds(60)
    }
    let (release, holder) = try await holdingOnlyConnection(pool)
    let outcome = try await Self.waiterOutcome(pool) { withUnsafeCurrentTask { $0?.cancel() } }
    release.finish()
    try await holder.value
    if case .success? = outcome { Issue.record("a cancelled waiter got a connection") }
    #expect(outcome != nil, "a cancelled waiter stayed queued")
    await pool.shutdown()
  }

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
    let (release, holder) = try await holdingOnlyConnection(pool)
    let outcome = try await Self.waiterOutcome(pool)
    release.finish()
    try await holder.value
    guard case .failure(let error as StoreError)? = outcome else {
      Issue.record("the waiter did not time out: \(String(describing: outcome))")
      return
    }
    #expect(error.kind == .acquireTimeout)
    #expect(pool.statistics.acquireTimeouts == 1)
    await pool.shutdown()
  }

  /// How one more acquisition on the exhausted `pool` ended (after `prepare` ran in its task),
  /// or nil when it had not ended within 10 s (a watchdog: it ends at once when it works).
  private static func waiterOutcome(
    _ pool: ConnectionPool,
    prepare: @escaping @Sendable () -> Void = {}
  ) async throws -> Result<Void, any Error>? {
    let outcome = Box()
    let waiter = Task {
      prepare()
      await outcome.set(await Result.capturing { try await pool.withSession { _ in } })
    }
    _ = try await eventually(within: .seconds(10)) { await outcome.value != nil }
    waiter.cancel()
    return await outcome.value
  }
}

private actor Box {
  var value: Result<Void, any Error>?
  func set(_ value: Result<Void, any Error>) { self.value = value }
}

extension Result where Failure == any Error {
  static func capturing(_ body: () async throws -> Success) async -> Self {
    do { return .success(try await body()) } catch { return .failure(error) }
  }
}

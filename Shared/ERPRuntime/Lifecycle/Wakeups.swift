import NIOConcurrencyHelpers

/// What wakes a background loop that sleeps until its next piece of work is due: ``poke()``
/// from anywhere (new work now), and one timer armed at the loop's earliest planned instant
/// (re-armed only when that instant changes). The loop iterates ``stream``; between wake-ups
/// it costs nothing. Wake-ups coalesce: several pokes before the loop looks are one.
public final class Wakeups: Sendable {
  public let stream: AsyncStream<Void>
  private let continuation: AsyncStream<Void>.Continuation
  private let timer = NIOLockedValueBox<(at: ContinuousClock.Instant, task: Task<Void, Never>)?>(
    nil
  )

  public init() {
    (self.stream, self.continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  /// Wakes the loop now.
  public func poke() { self.continuation.yield() }

  /// Wakes the loop at `instant` (nil: no timer), replacing the timer armed before.
  public func arm(at instant: ContinuousClock.Instant?) {
    self.timer.withLockedValue { timer in
      if let timer, timer.at == instant { return }
      timer?.task.cancel()
      guard let instant else {
        timer = nil
        return
      }
      let continuation = self.continuation
      timer = (
        instant,
        Task {
          try? await Task.sleep(until: instant, clock: .continuous)
          if !Task.isCancelled { continuation.yield() }
        }
      )
    }
  }

  /// Ends the stream (the loop's `for await` returns) and the timer.
  public func finish() {
    self.continuation.finish()
    self.arm(at: nil)
  }
}

import DequeModule
import NIOConcurrencyHelpers

/// A stream's inbound parts, from the event loop (one producer) to GRPCCore (one consumer).
///
/// Used instead of `AsyncThrowingStream` because that one is generic code the optimiser cannot
/// specialise across the standard library boundary: profiling showed ~10 % of a unary call's CPU
/// in runtime generic-metadata lookups from it. Here a buffered part is taken without suspending.
/// Taking a message reports its size through `consumed`, which returns flow-control credit.
/// Memory is bounded by flow control, not here: the peer cannot send beyond its window.
final class InboundQueue<Part: Sendable>: Sendable {
  private struct State {
    var buffer = Deque<Part>()
    var waiter: CheckedContinuation<Part?, any Error>?
    /// Set once the producer finished: nil error for a clean end.
    var end: (any Error)??
  }

  private let state = NIOLockedValueBox(State())
  private let size: @Sendable (Part) -> Int
  private let consumed: @Sendable (Int) -> Void

  init(size: @escaping @Sendable (Part) -> Int, consumed: @escaping @Sendable (Int) -> Void) {
    self.size = size
    self.consumed = consumed
  }

  // MARK: Producer

  /// Never calls back into the producer (it is called under the connection's lock): credit for
  /// a consumed message is reported by the consumer, in `next()`.
  func yield(_ part: Part) {
    let waiter = self.state.withLockedValue { state -> CheckedContinuation<Part?, any Error>? in
      guard state.end == nil else { return nil }
      if let waiter = state.waiter {
        state.waiter = nil
        return waiter
      }
      state.buffer.append(part)
      return nil
    }
    waiter?.resume(returning: part)
  }

  /// Ends the parts: after the buffered ones, the consumer sees the end (or `error`).
  func finish(throwing error: (any Error)? = nil) {
    let waiter = self.state.withLockedValue { state -> CheckedContinuation<Part?, any Error>? in
      guard state.end == nil else { return nil }
      state.end = .some(error)
      defer { state.waiter = nil }
      return state.waiter
    }
    if let error {
      waiter?.resume(throwing: error)
    } else {
      waiter?.resume(returning: nil)
    }
  }

  // MARK: Consumer

  private enum Immediate {
    case part(Part)
    case end((any Error)?)
    case wait
  }

  /// The next part; nil at the end or when the consuming task is cancelled.
  func next() async throws -> Part? {
    let immediate = self.state.withLockedValue { state -> Immediate in
      if let part = state.buffer.popFirst() { return .part(part) }
      if let end = state.end { return .end(end) }
      return .wait
    }
    switch immediate {
    case .part(let part):
      self.consumed(self.size(part))
      return part
    case .end(let error):
      if let error { throw error }
      return nil
    case .wait:
      let part = try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
          let ready = self.state.withLockedValue { state -> Immediate in
            if let part = state.buffer.popFirst() { return .part(part) }
            if let end = state.end { return .end(end) }
            if Task.isCancelled { return .end(nil) }
            state.waiter = continuation
            return .wait
          }
          switch ready {
          case .part(let part):
            continuation.resume(returning: part)
          case .end(let error?):
            continuation.resume(throwing: error)
          case .end(nil):
            continuation.resume(returning: nil)
          case .wait:
            break
          }
        }
      } onCancel: {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Part?, any Error>? in
          defer { state.waiter = nil }
          return state.waiter
        }
        waiter?.resume(returning: nil)
      }
      if let part { self.consumed(self.size(part)) }
      return part
    }
  }
}

/// The queue as the `AsyncSequence` GRPCCore reads.
struct InboundSequence<Part: Sendable>: AsyncSequence, Sendable {
  typealias Element = Part
  typealias Failure = any Error

  let queue: InboundQueue<Part>

  struct AsyncIterator: AsyncIteratorProtocol {
    let queue: InboundQueue<Part>
    mutating func next() async throws -> Part? { try await self.queue.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: self.queue) }
}

import GRPCCore
import NIOConcurrencyHelpers

/// One direction of a call inside this process, holding at most `capacity` parts: a writer
/// that finds it full waits until the reader takes one, so a reader that stops reading stops
/// the writer, and through it whatever the writer pulls from (the JSON door's NDJSON stream,
/// the forwarded ledger stream behind it). One writer and one reader. The reader going away
/// (``readerGone()``) fails the writer's waiting and later writes, so a handler never waits
/// for a reader that is not coming back.
final class BoundedPipe<Element: Sendable>: Sendable {
  /// The pipe's state: a value, changed only under the lock, returning what to resume.
  struct State: Sendable {
    enum End: Sendable {
      case finished
      case failed(any Error)
      case readerGone
    }

    let capacity: Int
    var buffer: [Element] = []
    var end: End?
    var reader: CheckedContinuation<Element?, any Error>?
    /// A writer waiting for room, with what it writes.
    var writer: (Element, CheckedContinuation<Void, any Error>)?

    /// A reader's or writer's continuation to resume after the lock is released.
    enum Resume: Sendable {
      case reader(CheckedContinuation<Element?, any Error>, Result<Element?, any Error>)
      case writer(CheckedContinuation<Void, any Error>, Result<Void, any Error>)
    }

    /// `element` written: handed to a waiting reader, buffered, or (full) left to wait.
    mutating func write(
      _ element: Element,
      _ continuation: CheckedContinuation<Void, any Error>
    ) -> [Resume] {
      if let end {
        return [.writer(continuation, .failure(Self.closed(end)))]
      }
      if let reader {
        self.reader = nil
        return [.reader(reader, .success(element)), .writer(continuation, .success(()))]
      }
      if self.buffer.count < self.capacity {
        self.buffer.append(element)
        return [.writer(continuation, .success(()))]
      }
      self.writer = (element, continuation)
      return []
    }

    /// A reader asks for the next part: the oldest buffered (letting a waiting writer in), the
    /// end, or (empty) it waits.
    mutating func read(_ continuation: CheckedContinuation<Element?, any Error>) -> [Resume] {
      if !self.buffer.isEmpty {
        let first = self.buffer.removeFirst()
        var resumes: [Resume] = [.reader(continuation, .success(first))]
        if case let (element, writer)? = self.writer {
          self.writer = nil
          self.buffer.append(element)
          resumes.append(.writer(writer, .success(())))
        }
        return resumes
      }
      switch self.end {
      case .finished, .readerGone:
        return [.reader(continuation, .success(nil))]
      case .failed(let error):
        return [.reader(continuation, .failure(error))]
      case nil:
        self.reader = continuation
        return []
      }
    }

    /// The writer is done (`error` nil) or failed: a waiting reader learns it once the buffer
    /// is read.
    mutating func finish(_ error: (any Error)?) -> [Resume] {
      if case .some = self.end { return [] }
      self.end = error.map { .failed($0) } ?? .finished
      guard let reader else { return [] }
      self.reader = nil
      return [.reader(reader, error.map { .failure($0) } ?? .success(nil))]
    }

    /// The reader stopped: what is buffered is dropped, the writer's wait and later writes fail.
    mutating func readerGone() -> [Resume] {
      self.end = .readerGone
      self.buffer.removeAll()
      var resumes: [Resume] = []
      if case let (_, writer)? = self.writer {
        self.writer = nil
        resumes.append(.writer(writer, .failure(Self.closed(.readerGone))))
      }
      if let reader {
        self.reader = nil
        resumes.append(.reader(reader, .success(nil)))
      }
      return resumes
    }

    /// The writer's task was cancelled: its wait fails, and the reader learns the stream
    /// failed once it has read what is buffered.
    mutating func writerCancelled() -> [Resume] {
      var resumes: [Resume] = []
      if case let (_, writer)? = self.writer {
        self.writer = nil
        resumes.append(.writer(writer, .failure(CancellationError())))
      }
      return resumes + self.finish(CancellationError())
    }

    static func closed(_ end: End) -> RPCError {
      switch end {
      case .readerGone: RPCError(code: .cancelled, message: "the caller stopped reading")
      case .finished, .failed: RPCError(code: .internalError, message: "written after the end")
      }
    }

    var buffered: Int { self.buffer.count + (self.writer == nil ? 0 : 1) }

    var readerIsGone: Bool {
      if case .readerGone = self.end { return true }
      return false
    }
  }

  private let state: NIOLockedValueBox<State>

  init(capacity: Int) {
    self.state = NIOLockedValueBox(State(capacity: Swift.max(1, capacity)))
  }

  /// Parts written and not yet read (a waiting writer's included): at most `capacity` + 1.
  var buffered: Int { self.state.withLockedValue { $0.buffered } }

  /// Whether a write now would wait for the reader.
  var isFull: Bool { self.state.withLockedValue { $0.buffer.count >= $0.capacity } }

  /// Whether the reader stopped (``readerGone()``).
  var readerIsGone: Bool { self.state.withLockedValue { $0.readerIsGone } }

  func write(_ element: Element) async throws {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        Self.run(self.state.withLockedValue { $0.write(element, continuation) })
      }
    } onCancel: {
      // Also when cancelled before it waited: the write then finds the pipe ended.
      Self.run(self.state.withLockedValue { $0.writerCancelled() })
    }
  }

  func next() async throws -> Element? {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        Self.run(self.state.withLockedValue { $0.read(continuation) })
      }
    } onCancel: {
      // A cancelled reader is not coming back (also when cancelled before it waited).
      Self.run(self.state.withLockedValue { $0.readerGone() })
    }
  }

  func finish(_ error: (any Error)? = nil) {
    Self.run(self.state.withLockedValue { $0.finish(error) })
  }

  func readerGone() {
    Self.run(self.state.withLockedValue { $0.readerGone() })
  }

  private static func run(_ resumes: [State.Resume]) {
    for resume in resumes {
      switch resume {
      case .reader(let continuation, let result): continuation.resume(with: result)
      case .writer(let continuation, let result): continuation.resume(with: result)
      }
    }
  }
}

extension BoundedPipe: AsyncSequence {
  struct AsyncIterator: AsyncIteratorProtocol {
    let pipe: BoundedPipe

    func next() async throws -> Element? { try await self.pipe.next() }
  }

  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pipe: self) }
}

/// The writing end of a pipe, as GRPCCore's writers want it.
struct BoundedPipeWriter<Element: Sendable>: ClosableRPCWriterProtocol {
  let pipe: BoundedPipe<Element>

  func write(_ element: Element) async throws { try await self.pipe.write(element) }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await self.pipe.write(element) }
  }

  func finish() async { self.pipe.finish() }

  func finish(throwing error: any Error) async { self.pipe.finish(error) }
}

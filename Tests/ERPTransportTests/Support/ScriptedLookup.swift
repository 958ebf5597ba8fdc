import Logging
import NIOConcurrencyHelpers
import NIOCore

@testable import ERPTransport

/// A resolver played from a script, injected as the client's `nameLookup`: each lookup takes the
/// next step (answers with `address`, fails as glibc words an unknown name, or hangs until
/// `release()`); past the script it answers.
final class ScriptedLookup: Sendable {
  enum Step: Sendable { case answer, fail, hang }

  private struct State {
    var steps: [Step]
    var calls = 0
    var released = false
    var hung: [CheckedContinuation<[SocketAddress], any Error>] = []
  }

  let address: SocketAddress
  private let state: NIOLockedValueBox<State>

  init(address: SocketAddress, steps: [Step]) {
    self.address = address
    self.state = NIOLockedValueBox(State(steps: steps))
  }

  /// Lookups started so far.
  var calls: Int { self.state.withLockedValue { $0.calls } }

  var lookup: ERPTransport.Client.NameLookup {
    ERPTransport.Client.NameLookup { _, _ in try await self.next() }
  }

  /// Answers the lookups hanging now; a later `hang` step hangs again.
  func release() { self.answerHung(andLater: false) }

  /// Answers every hung lookup, and every later `hang` step at once (a test's cleanup, so that no
  /// lookup outlives it).
  func finish() { self.answerHung(andLater: true) }

  private func answerHung(andLater: Bool) {
    let hung = self.state.withLockedValue { state in
      if andLater { state.released = true }
      defer { state.hung = [] }
      return state.hung
    }
    for continuation in hung { continuation.resume(returning: [self.address]) }
  }

  private func next() async throws -> [SocketAddress] {
    let step = self.state.withLockedValue { state in
      state.calls += 1
      return state.steps.isEmpty ? .answer : state.steps.removeFirst()
    }
    switch step {
    case .answer: return [self.address]
    case .fail: throw ERPTransport.Client.LookupFailure(message: "Name or service not known")
    case .hang:
      return try await withCheckedThrowingContinuation { continuation in
        let now = self.state.withLockedValue { state in
          if !state.released { state.hung.append(continuation) }
          return state.released
        }
        if now { continuation.resume(returning: [self.address]) }
      }
    }
  }
}

/// A log handler keeping every message with its level and metadata, for tests to assert on.
final class CapturedLogs: Sendable {
  struct Entry: Sendable {
    var level: Logger.Level
    var message: String
    var metadata: Logger.Metadata
  }

  private let entries = NIOLockedValueBox<[Entry]>([])

  var all: [Entry] { self.entries.withLockedValue { $0 } }

  var logger: Logger {
    Logger(label: "test") { _ in Handler(logs: self) }
  }

  private struct Handler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
      get { self.metadata[key] }
      set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
      let entry = Entry(
        level: event.level,
        message: "\(event.message)",
        metadata: self.metadata.merging(event.metadata ?? [:]) { $1 }
      )
      self.logs.entries.withLockedValue { $0.append(entry) }
    }
  }
}

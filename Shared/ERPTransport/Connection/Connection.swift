import GRPCCore
import NIOConcurrencyHelpers
import NIOCore

typealias ServerConnection = Connection<ServerConnectionStateMachine<ServerStreamContext>>
typealias ClientConnection = Connection<ClientConnectionStateMachine<ClientStreamContext>>

/// Drives one TCP connection's state machine: feeds it frames and events, performs the actions
/// it returns. All protocol decisions are the machine's (``ServerConnectionStateMachine``,
/// ``ClientConnectionStateMachine``); this class only owns the lock, the socket and the
/// suspended tasks.
///
/// The machine lives behind one lock so that callers on any thread (GRPCCore's tasks writing
/// messages, the event loop delivering frames) update it directly; only the socket writes hop to
/// the event loop, and one hop drains everything queued meanwhile, so writes coalesce under load.
/// Actions run after the lock is released (finishing a stream or resuming a task may call back).
final class Connection<Machine: ConnectionStateMachine>: Sendable {
  typealias Action = ConnectionAction<Machine.Context>

  struct Callbacks: Sendable {
    /// Server: a client opened a stream.
    var onStream: @Sendable (AcceptedStream<Machine.Context>, Connection) -> Void = { _, _ in }
    /// Both: the peer's preface and SETTINGS arrived; the connection can carry streams.
    var onReady: @Sendable (Connection) -> Void = { _ in }
    /// Client: the connection takes no new streams: the server asked (GOAWAY), or it failed.
    var onGoAway: @Sendable (Connection) -> Void = { _ in }
    /// Both: the connection closed.
    var onClose: @Sendable (Connection) -> Void = { _ in }
  }

  /// Thrown before a call used a connection that is closing: the call moves to another one.
  struct ConnectionUnusable: Error {}

  struct Locked {
    var machine: Machine
    /// Tasks suspended until the machine names them in a resume or fail action.
    var waiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    var nextWaiterID: UInt64 = 0
  }

  let channel: any Channel
  let limits: ERPTransport.Limits
  let callbacks: Callbacks
  let state: NIOLockedValueBox<Locked>
  /// Runs stream work on this connection's event loop (see ``EventLoopTaskExecutor``).
  let executor: EventLoopTaskExecutor

  init(channel: any Channel, limits: ERPTransport.Limits, callbacks: Callbacks) {
    self.channel = channel
    self.executor = EventLoopTaskExecutor(channel.eventLoop)
    self.limits = limits
    self.callbacks = callbacks
    let peer = channel.remoteAddress.map { "\($0)" } ?? "unknown"
    self.state = NIOLockedValueBox(
      Locked(machine: Machine(limits: limits, peer: peer, now: .now()))
    )
  }

  // MARK: Driving the machine

  /// Runs `body` on the machine under the lock, then performs the actions it returned.
  @discardableResult
  func withMachine<Result>(_ body: (inout Machine) -> (Result, [Action])) -> Result {
    var resumptions: [(CheckedContinuation<Void, any Error>, (any Error)?)] = []
    let (result, actions) = self.state.withLockedValue { locked -> (Result, [Action]) in
      let (result, actions) = body(&locked.machine)
      for action in actions {
        switch action {
        case .resume(let id):
          if let waiter = locked.waiters.removeValue(forKey: id) {
            resumptions.append((waiter, nil))
          }
        case .failWaiter(let id, let failure):
          if let waiter = locked.waiters.removeValue(forKey: id) {
            resumptions.append((waiter, Self.error(failure)))
          }
        default:
          break
        }
      }
      return (result, actions)
    }
    for (waiter, error) in resumptions {
      if let error { waiter.resume(throwing: error) } else { waiter.resume() }
    }
    self.perform(actions)
    return result
  }

  func withMachine(_ body: (inout Machine) -> [Action]) {
    self.withMachine { machine -> ((), [Action]) in ((), body(&machine)) }
  }

  private static func error(_ failure: WaiterFailure) -> any Error {
    switch failure {
    case .connectionUnusable: ConnectionUnusable()
    case .error(let code, let message): RPCError(code: code, message: message)
    }
  }

  private func perform(_ actions: [Action]) {
    for action in actions {
      switch action {
      case .writePreface(let settings):
        var buffer = self.channel.allocator.buffer(capacity: 64)
        Preface.write(to: &buffer)
        Frame(type: .settings, streamID: 0, payload: settings.encode()).write(to: &buffer)
        self.channel.writeAndFlush(buffer, promise: nil)
      case .scheduleWrite:
        self.channel.eventLoop.execute { self.writeQueued() }
      case .ready:
        self.callbacks.onReady(self)
      case .goingAway:
        self.callbacks.onGoAway(self)
      case .accept(let accepted):
        accepted.context.deliver(metadata: accepted.metadata)
        self.callbacks.onStream(accepted, self)
      case .deliverMessage(let context, let message):
        context.deliver(message: message)
      case .deliverMetadata(let context, let metadata):
        context.deliver(metadata: metadata)
      case .deliverStatus(let context, let status, let metadata):
        context.deliver(status: status, metadata: metadata)
      case .finish(let context):
        context.finish()
      case .abort(let context, let error):
        context.abort(error)
      case .resume, .failWaiter:
        break  // Done under the lock, in `withMachine`.
      case .scheduleDrainTimer(let delay):
        self.channel.eventLoop.scheduleTask(in: delay) {
          self.withMachine { $0.drainTimerFired() }
        }
      case .closeChannel:
        self.channel.close(promise: nil)
      case .closed:
        self.callbacks.onClose(self)
      }
    }
  }

  /// Suspends the calling task as waiter `id` when `register` (run under the lock, with the
  /// machine) says so; it resumes when the machine names it in a resume or fail action.
  /// Cancellation runs `cancel` and, when that returns true, fails the wait.
  func suspend(
    as id: UInt64,
    register: @Sendable (inout Machine) -> (any Error)??,
    cancel: @escaping @Sendable (inout Machine) -> Bool
  ) async throws {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Void, any Error>) in
        let immediate = self.state.withLockedValue { locked -> (any Error)?? in
          let outcome = register(&locked.machine)
          if outcome == nil { locked.waiters[id] = continuation }
          return outcome
        }
        switch immediate {
        case .some(.some(let error)): continuation.resume(throwing: error)
        case .some(.none): continuation.resume()
        case .none: break
        }
      }
    } onCancel: {
      let waiter = self.state.withLockedValue { locked -> CheckedContinuation<Void, any Error>? in
        guard cancel(&locked.machine) else { return nil }
        return locked.waiters.removeValue(forKey: id)
      }
      waiter?.resume(throwing: CancellationError())
    }
  }

  func makeWaiterID() -> UInt64 {
    self.state.withLockedValue { locked in
      locked.nextWaiterID += 1
      return locked.nextWaiterID
    }
  }

  // MARK: Socket events

  /// The socket became active: our preface and SETTINGS go out.
  func start() {
    self.withMachine { $0.core.start() }
  }

  /// A decoded frame from the peer.
  func receive(_ frame: Frame, oversized: Int? = nil) {
    let now = NIODeadline.now()
    self.withMachine { machine in
      machine.receive(frame, oversized: oversized, now: now, makeContext: self.makeContext)
    }
  }

  /// A violation the decoder found (or a timer decided): GOAWAY, then close.
  func fail(_ violation: ProtocolViolation) {
    self.withMachine { $0.fail(violation) }
  }

  /// The socket closed: every open stream ends with UNAVAILABLE and every waiter is released.
  func closed() {
    self.withMachine { $0.channelInactive() }
  }

  /// The socket became writable again.
  func resumeWriting() {
    self.withMachine { $0.core.writable() }
  }

  /// Writes queued frames until the queue is empty or the socket stops being writable, then
  /// flushes once. Runs on the event loop.
  private func writeQueued() {
    let batchLimit = 256 * 1024
    var buffer = self.channel.allocator.buffer(capacity: 4096)
    var close: ConnectionCloseMode?
    while true {
      let writable = self.channel.isWritable
      let turn = self.state.withLockedValue { locked in
        locked.machine.core.takeFrames(into: &buffer, limit: batchLimit, writable: writable)
      }
      if buffer.readableBytes > 0 {
        self.channel.write(buffer, promise: nil)
        buffer = self.channel.allocator.buffer(capacity: 4096)
      }
      if case .more = turn { continue }
      if case .done(let mode) = turn { close = mode }
      break
    }
    self.channel.flush()
    switch close {
    case .afterViolation:
      // Closing a socket with unread input makes the kernel send RST, which can destroy the
      // GOAWAY before the peer reads it: close our side only, and the rest a moment later.
      self.channel.close(mode: .output, promise: nil)
      let channel = self.channel
      channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    case .graceful:
      self.channel.close(promise: nil)
    case nil:
      break
    }
  }

  // MARK: Messages and flow control

  /// Queues one message on a stream, cut into MESSAGE chunks, once the stream has credit. A
  /// stream that closed meanwhile drops the message: the call's outcome is already decided.
  func sendMessage(_ message: ERPTransport.Bytes, onStream id: UInt32) async throws {
    let size = message.count
    let limit = self.state.withLockedValue { $0.machine.core.sendLimit }
    guard size <= limit else {
      throw RPCError(
        code: .resourceExhausted,
        message: "message of \(size) bytes exceeds the limit of \(limit) bytes"
      )
    }
    var waiterID: UInt64?
    while true {
      let outcome = self.withMachine {
        machine -> (ConnectionCore<Machine.Context>.SendOutcome, [Action]) in
        var actions: [Action] = []
        let outcome = machine.core.sendMessage(message.buffer, onStream: id, &actions)
        return (outcome, actions)
      }
      guard outcome == .wait else { return }
      let waiter = waiterID ?? self.makeWaiterID()
      waiterID = waiter
      try await self.suspend(
        as: waiter,
        register: { machine in
          machine.core.waitForCredit(onStream: id, waiter: waiter) ? nil : .some(nil)
        },
        cancel: { machine in machine.core.cancelCreditWait(onStream: id, waiter: waiter) }
      )
    }
  }

  /// The application took a message of `bytes` bytes from a stream.
  func consumed(_ bytes: Int, onStream id: UInt32) {
    guard bytes > 0 else { return }
    self.withMachine { $0.core.consumed(bytes, onStream: id) }
  }

  /// A stream the peer opened: its reader returns credit on this connection.
  private func makeContext(_ id: UInt32) -> Machine.Context {
    Machine.Context.accepted(stream: id) { [weak self] bytes in self?.consumed(bytes, onStream: id)
    }
  }
}

import DequeModule
import GRPCCore
import NIOConcurrencyHelpers
import NIOCore

/// One TCP connection's streams, flow control and outbound schedule, for either side.
///
/// State lives behind one lock so that callers on any thread (GRPCCore's tasks writing messages,
/// the event loop delivering frames) update it directly; only the socket writes hop to the event
/// loop, and one hop drains everything queued meanwhile, so writes coalesce under load. Side
/// effects that may call back (finishing a stream, resuming a task) run after the lock is released.
final class Connection: Sendable {
  enum Role: Sendable { case client, server }

  /// A stream a client opened, for the server transport to hand to GRPCCore.
  struct AcceptedStream: Sendable {
    var id: UInt32
    var descriptor: MethodDescriptor
    var inbound: InboundQueue<RPCRequestPart<ERPTransport.Bytes>>
    /// From the request's `grpc-timeout`: the server ends the call then (wire spec §2.1).
    var deadline: NIODeadline?
  }

  /// Bytes of text a client's RST_STREAM carries at most (the reason is for people).
  static let resetMessageLimit = 1024

  struct Callbacks: Sendable {
    /// Server: a client opened a stream.
    var onStream: @Sendable (AcceptedStream, Connection) -> Void = { _, _ in }
    /// Both: the peer's preface and SETTINGS arrived; the connection can carry streams.
    var onReady: @Sendable (Connection) -> Void = { _ in }
    /// Client: the connection takes no new streams: the server asked (GOAWAY), or it failed.
    var onGoAway: @Sendable (Connection) -> Void = { _ in }
    /// Both: the connection closed.
    var onClose: @Sendable (Connection) -> Void = { _ in }
  }

  struct State {
    var peerSettings = Settings.protocolDefaults
    var gotPeerSettings = false
    /// Our preface and SETTINGS are written; no frame may be written before them.
    var started = false
    var streams: [UInt32: StreamRecord] = [:]
    /// Server: highest stream id a client opened. Client: highest id the server accepted (GOAWAY).
    var lastPeerStreamID: UInt32 = 0
    /// Client: the id the next stream will take.
    var nextStreamID: UInt32 = 1
    var outbound = OutboundQueue()
    var drainScheduled = false
    var closeWhenFlushed = false
    /// No new streams: we sent GOAWAY (server) or received one (client).
    var draining = false
    /// Server: the client acknowledged the drain PING, so every stream it opened before seeing
    /// GOAWAY has arrived; streams after this are refused and the connection closes when empty.
    var drainAcknowledged = false
    var failed = false
    var closed = false
    /// Client: call slots in use (at most the server's max concurrent streams) and calls waiting.
    var slotsInUse = 0
    /// Client: calls holding a slot whose HEADERS are not queued yet.
    var slotsAwaitingOpen = 0
    /// Client: the last stream id the server's GOAWAY promises to process.
    var goAwayLastStreamID: UInt32?
    /// Client: a PING that arrived while draining, answered once every call holding a slot has
    /// queued its HEADERS, so that the server (which stops accepting streams on the answer) sees
    /// those streams first.
    var deferredPingAnswer: ByteBuffer?
    var slotWaiters = Deque<(id: UInt64, continuation: CheckedContinuation<Void, any Error>)>()
    var nextWaiterID: UInt64 = 0
    var pingOutstanding = false
    var idleSince: NIODeadline? = .now()
  }

  let role: Role
  let channel: any Channel
  let limits: ERPTransport.Limits
  let callbacks: Callbacks
  let state = NIOLockedValueBox(State())
  /// Runs stream work on this connection's event loop (see ``EventLoopTaskExecutor``).
  let executor: EventLoopTaskExecutor

  init(role: Role, channel: any Channel, limits: ERPTransport.Limits, callbacks: Callbacks) {
    self.role = role
    self.channel = channel
    self.executor = EventLoopTaskExecutor(channel.eventLoop)
    self.limits = limits
    self.callbacks = callbacks
  }

  var remoteDescription: String {
    self.channel.remoteAddress.map { "\($0)" } ?? "unknown"
  }

  var localDescription: String {
    self.channel.localAddress.map { "\($0)" } ?? "unknown"
  }

  // MARK: Lifecycle

  /// Writes our preface and SETTINGS; called when the socket becomes active.
  /// Frames queued before this (a timer can fire before the socket is active) wait for it.
  func start() {
    var buffer = self.channel.allocator.buffer(capacity: 64)
    Preface.write(to: &buffer)
    Frame(type: .settings, streamID: 0, payload: self.limits.settings.encode()).write(to: &buffer)
    self.channel.writeAndFlush(buffer, promise: nil)
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      state.started = true
      if !state.outbound.isEmpty || state.closeWhenFlushed { self.scheduleDrain(&state, &effects) }
      return effects
    }
    effects.run()
  }

  /// Answers a protocol violation with GOAWAY, then closes. Later frames are ignored.
  ///
  /// A client fails its calls on the connection at once (UNAVAILABLE) and tells its pool to stop
  /// using it now, not when the socket finally closes: until then a new call would pick it again
  /// and again without ever suspending, and on the connection's own event loop that spin keeps
  /// the close from ever running (the gateway's livelock).
  func fail(_ violation: ProtocolViolation) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard !state.failed, !state.closed else { return effects }
      state.failed = true
      if self.role == .client {
        let error = RPCError(
          code: .unavailable,
          message: "connection to \(self.remoteDescription) failed: \(violation.reason)"
        )
        for (_, record) in state.streams { self.abort(record, error: error, &effects) }
        state.streams.removeAll()
        let waiters = state.slotWaiters
        state.slotWaiters.removeAll()
        effects.append {
          for waiter in waiters { waiter.continuation.resume(throwing: ConnectionUnusable()) }
          self.callbacks.onGoAway(self)
        }
      }
      state.outbound.appendControl(
        .goAway(
          lastStreamID: state.lastPeerStreamID,
          code: violation.code,
          reason: violation.reason
        )
      )
      state.closeWhenFlushed = true
      self.scheduleDrain(&state, &effects)
      return effects
    }
    effects.run()
  }

  /// The socket closed: every open stream ends with UNAVAILABLE and every waiter is released.
  func closed() {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard !state.closed else { return effects }
      state.closed = true
      let error = RPCError(
        code: .unavailable,
        message: "connection to \(self.remoteDescription) was lost"
      )
      for (_, record) in state.streams {
        self.abort(record, error: error, &effects)
      }
      state.streams.removeAll()
      let waiters = state.slotWaiters
      state.slotWaiters.removeAll()
      effects.append {
        for waiter in waiters { waiter.continuation.resume(throwing: error) }
      }
      effects.append { self.callbacks.onClose(self) }
      return effects
    }
    effects.run()
  }

  /// Ends a stream abruptly: the handler is cancelled (server) or the call fails (client).
  func abort(_ record: StreamRecord, error: RPCError, _ effects: inout Effects) {
    let sink = record.sink
    let handle = record.cancellation
    let task = record.handlerTask
    let waiter = record.creditWaiter
    effects.append {
      handle?.cancel()
      task?.cancel()
      waiter?.continuation.resume(throwing: error)
      sink.finish(throwing: error)
    }
  }

  // MARK: Outbound scheduling

  /// Ensures one drain is pending on the event loop.
  func scheduleDrain(_ state: inout State, _ effects: inout Effects) {
    guard !state.drainScheduled else { return }
    state.drainScheduled = true
    effects.append {
      self.channel.eventLoop.execute { self.drain() }
    }
  }

  /// Writes queued frames until the queue is empty or the socket stops being writable, then
  /// flushes once. Runs on the event loop.
  func drain() {
    let batchLimit = 256 * 1024
    var buffer = self.channel.allocator.buffer(capacity: 4096)
    var close = false
    var failed = false
    while true {
      let writable = self.channel.isWritable
      let more = self.state.withLockedValue { state -> Bool in
        guard writable, state.started else {
          state.drainScheduled = false
          return false
        }
        while buffer.readableBytes < batchLimit, let frame = state.outbound.next() {
          frame.write(to: &buffer)
        }
        if state.outbound.isEmpty {
          state.drainScheduled = false
          close = state.closeWhenFlushed
          failed = state.failed
          return false
        }
        return true
      }
      if buffer.readableBytes > 0 {
        self.channel.write(buffer, promise: nil)
        buffer = self.channel.allocator.buffer(capacity: 4096)
      }
      if !more { break }
    }
    self.channel.flush()
    if close && failed {
      // Closing a socket with unread input makes the kernel send RST, which can destroy the
      // GOAWAY before the peer reads it: close our side only, and the rest a moment later.
      self.channel.close(mode: .output, promise: nil)
      let channel = self.channel
      channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
    } else if close {
      self.channel.close(promise: nil)
    }
  }

  /// The socket became writable again.
  func resumeWriting() {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      if !state.outbound.isEmpty { self.scheduleDrain(&state, &effects) }
      return effects
    }
    effects.run()
  }
}

/// Side effects gathered under the lock and run after it is released.
struct Effects {
  private var actions: [() -> Void] = []

  mutating func append(_ action: @escaping () -> Void) {
    self.actions.append(action)
  }

  func run() {
    for action in self.actions { action() }
  }
}

import GRPCCore
import NIOCore

/// What client and server connections share: the handshake, the table of open streams, flow
/// control and the outbound schedule. Pure: the role machines drive it and return its actions.
struct ConnectionCore<Context> {
  typealias Action = ConnectionAction<Context>

  /// One open stream: its protocol state and the driver's handle on it (reader, handler).
  struct Stream {
    var state: StreamState
    var context: Context
    /// Server: when the call's `grpc-timeout` runs out.
    var deadline: NIODeadline? = nil
  }

  let limits: ERPTransport.Limits
  /// The peer's address, for error messages.
  let peer: String
  var peerSettings = Settings.protocolDefaults
  var gotPeerSettings = false
  /// Our preface and SETTINGS are written; no frame may be written before them.
  var started = false
  var streams: [UInt32: Stream] = [:]
  var outbound = OutboundQueue()
  var writeScheduled = false
  /// Set once the connection is to close when everything queued is written.
  var closeWhenFlushed: ConnectionCloseMode?
  /// When the last stream ended (nil while one is open).
  var idleSince: NIODeadline?

  init(limits: ERPTransport.Limits, peer: String, now: NIODeadline) {
    self.limits = limits
    self.peer = peer
    self.idleSince = now
  }

  // MARK: Writing

  /// Ensures one write pass is pending.
  mutating func scheduleWrite(_ actions: inout [Action]) {
    guard !self.writeScheduled else { return }
    self.writeScheduled = true
    actions.append(.scheduleWrite)
  }

  /// The socket became active: our preface goes first, then whatever was queued meanwhile (a
  /// timer can fire before the socket is active).
  mutating func start() -> [Action] {
    var actions: [Action] = [.writePreface(self.limits.settings)]
    self.started = true
    self.writeScheduled = false
    if !self.outbound.isEmpty || self.closeWhenFlushed != nil { self.scheduleWrite(&actions) }
    return actions
  }

  /// The result of one write pass's turn.
  enum WriteTurn: Equatable {
    /// The buffer is full and frames remain: write it and take another turn.
    case more
    /// Nothing left: flush, then close if `close` says so.
    case done(close: ConnectionCloseMode?)
    /// The socket is not writable (or not started): the pass ends; writability restarts it.
    case paused
  }

  /// Moves queued frames into `buffer`, up to `limit` bytes.
  mutating func takeFrames(into buffer: inout ByteBuffer, limit: Int, writable: Bool) -> WriteTurn {
    guard writable, self.started else {
      self.writeScheduled = false
      return .paused
    }
    while buffer.readableBytes < limit, let frame = self.outbound.next() {
      frame.write(to: &buffer)
    }
    guard self.outbound.isEmpty else { return .more }
    self.writeScheduled = false
    return .done(close: self.closeWhenFlushed)
  }

  /// The socket became writable again.
  mutating func writable() -> [Action] {
    var actions: [Action] = []
    if !self.outbound.isEmpty { self.scheduleWrite(&actions) }
    return actions
  }

  mutating func closeWhenFlushed(_ mode: ConnectionCloseMode, _ actions: inout [Action]) {
    if self.closeWhenFlushed != .afterViolation { self.closeWhenFlushed = mode }
    self.scheduleWrite(&actions)
  }

  // MARK: Frames every connection handles alike

  /// The checks every frame passes first: nil when the frame is to be ignored.
  func admit(_ frame: Frame) throws(ProtocolViolation) -> FrameType? {
    guard let type = frame.type else { return nil }  // Unknown kinds are ignored.
    if !self.gotPeerSettings, type != .settings {
      throw ProtocolViolation(.protocolError, "the first frame after the preface must be SETTINGS")
    }
    switch type {
    case .settings, .ping, .goAway:
      guard frame.streamID == 0 else {
        throw ProtocolViolation(.protocolError, "\(type) must be sent on stream 0")
      }
    default:
      guard frame.streamID != 0 else {
        throw ProtocolViolation(.protocolError, "\(type) must not be sent on stream 0")
      }
    }
    return type
  }

  mutating func receiveSettings(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    self.peerSettings = try Settings.decode(frame.payload)
    if !self.gotPeerSettings {
      self.gotPeerSettings = true
      self.idleSince = now
      actions.append(.ready)
    }
  }

  /// Answers a PING that is not an answer itself.
  mutating func answerPing(_ payload: ByteBuffer, _ actions: inout [Action]) {
    self.outbound.appendControl(
      Frame(type: .ping, flags: FrameFlags.ack, streamID: 0, payload: payload)
    )
    self.scheduleWrite(&actions)
  }

  /// A MESSAGE chunk for an open stream. Returns false when the message grew past the limit:
  /// the role machine then fails that stream alone.
  mutating func receiveMessage(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) -> StreamState.ChunkOutcome? {
    let id = frame.streamID
    guard self.streams[id] != nil else { return nil }
    let outcome = try self.streams[id]!.state.receiveChunk(
      frame.payload,
      endsMessage: frame.flags & FrameFlags.endMessage != 0,
      streamID: id,
      limits: self.limits
    )
    if case .message(let message) = outcome {
      actions.append(.deliverMessage(self.streams[id]!.context, message))
    }
    return outcome
  }

  mutating func receiveWindowUpdate(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    guard self.streams[frame.streamID] != nil else { return }
    let increment = try FramePayloads.parseWindowUpdate(frame.payload)
    if let waiter = try self.streams[frame.streamID]!.state.receiveWindowUpdate(
      increment,
      streamID: frame.streamID
    ) {
      actions.append(.resume(waiter: waiter))
    }
  }

  /// The message to report for a frame on a stream that was never opened.
  static func neverOpened(_ frame: Frame) -> ProtocolViolation {
    ProtocolViolation(
      .protocolError,
      "\(frame.type.map { "\($0)" } ?? "frame") for stream \(frame.streamID), which was never opened"
    )
  }

  // MARK: Sending

  /// What happened to a message the application wants to send.
  enum SendOutcome: Equatable {
    case queued
    /// No credit: the writer waits for WINDOW_UPDATE, then tries again.
    case wait
    /// The stream ended meanwhile: the call's outcome is decided and the message is dropped.
    case dropped
  }

  /// Largest message this connection may send: the smaller of the peer's limit and ours.
  var sendLimit: Int { min(Int(self.peerSettings.maxMessageSize), self.limits.maxMessageSize) }

  /// Queues one message on a stream, cut into MESSAGE chunks, if the stream has credit. A message
  /// may start while the window is positive and is charged whole, so the window may go negative.
  mutating func sendMessage(
    _ message: ByteBuffer,
    onStream id: UInt32,
    _ actions: inout [Action]
  ) -> SendOutcome {
    guard self.streams[id] != nil else { return .dropped }
    guard self.streams[id]!.state.chargeSend(message.readableBytes) else { return .wait }
    let chunkSize = max(1024, min(Int(self.peerSettings.maxFrameSize), self.limits.maxFrameSize))
    var remaining = message
    repeat {
      let chunk = remaining.readSlice(length: min(chunkSize, remaining.readableBytes))!
      let last = remaining.readableBytes == 0
      self.outbound.append(
        Frame(type: .message, flags: last ? FrameFlags.endMessage : 0, streamID: id, payload: chunk)
      )
    } while remaining.readableBytes > 0
    self.scheduleWrite(&actions)
    return .queued
  }

  /// A writer suspends for credit. False when it need not (credit came, or the stream ended).
  mutating func waitForCredit(onStream id: UInt32, waiter: UInt64) -> Bool {
    guard let stream = self.streams[id], stream.state.flow.sendWindow <= 0 else { return false }
    self.streams[id]!.state.flow.creditWaiter = waiter
    return true
  }

  /// A writer waiting for credit was cancelled. True when it was still waiting.
  mutating func cancelCreditWait(onStream id: UInt32, waiter: UInt64) -> Bool {
    guard self.streams[id]?.state.flow.creditWaiter == waiter else { return false }
    self.streams[id]!.state.flow.creditWaiter = nil
    return true
  }

  /// The application took a message of `bytes` bytes from a stream: return credit when due.
  mutating func consumed(_ bytes: Int, onStream id: UInt32) -> [Action] {
    var actions: [Action] = []
    guard bytes > 0, self.streams[id] != nil else { return actions }
    if let increment = self.streams[id]!.state.consumed(
      bytes,
      initialWindow: self.limits.initialWindowSize
    ) {
      self.outbound.appendControl(
        Frame(type: .windowUpdate, streamID: id, payload: FramePayloads.windowUpdate(increment))
      )
      self.scheduleWrite(&actions)
    }
    return actions
  }

  /// Queues a frame on a stream's own queue (keeping its order after the stream's messages). A
  /// frame for a stream that has ended is dropped: after a call is reset or finished, GRPCCore
  /// may still write (a half-close from its request task), and that frame could otherwise reach
  /// the peer for a stream it never saw opened.
  mutating func queue(_ frame: Frame, closed: Bool) -> [Action] {
    var actions: [Action] = []
    guard !closed, self.streams[frame.streamID] != nil else { return actions }
    self.outbound.append(frame)
    self.scheduleWrite(&actions)
    return actions
  }

  // MARK: Ending streams

  /// Removes a stream, dropping what it still had queued. Returns it, and whether its opening
  /// HEADERS were among the dropped frames (the peer never heard of it).
  mutating func remove(_ id: UInt32) -> (stream: Stream, unsent: Bool)? {
    guard let stream = self.streams.removeValue(forKey: id) else { return nil }
    return (stream, self.outbound.dropFrames(ofStream: id))
  }

  /// A stream ends abruptly: its reader fails and its writer (if waiting for credit) too.
  static func abort(_ stream: Stream, error: RPCError, _ actions: inout [Action]) {
    actions.append(.abort(stream.context, error))
    if let waiter = stream.state.flow.creditWaiter {
      actions.append(.failWaiter(waiter, .error(code: error.code, message: error.message)))
    }
  }

  /// Ends every stream abruptly (connection lost or failed).
  mutating func abortAll(error: RPCError, _ actions: inout [Action]) {
    for (_, stream) in self.streams { Self.abort(stream, error: error, &actions) }
    self.streams.removeAll()
  }

  /// A stream's writer waiting for credit has nothing left to send to: let it finish.
  static func releaseWriter(_ stream: Stream, _ actions: inout [Action]) {
    if let waiter = stream.state.flow.creditWaiter { actions.append(.resume(waiter: waiter)) }
  }

  /// Whether the table just became empty (and since when the connection is idle).
  mutating func streamRemoved(now: NIODeadline) -> Bool {
    guard self.streams.isEmpty else { return false }
    self.idleSince = now
    return true
  }

  /// True when no stream has been open for at least `timeout` since the handshake.
  func isIdle(for timeout: TimeAmount, now: NIODeadline) -> Bool {
    guard self.gotPeerSettings, let since = self.idleSince else { return false }
    return now - since >= timeout
  }
}

extension ConnectionCore: Sendable where Context: Sendable {}
extension ConnectionCore.Stream: Sendable where Context: Sendable {}

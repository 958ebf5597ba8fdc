import DequeModule
import GRPCCore
import NIOCore

/// The client side of one connection, as a pure state machine: frames from the server and events
/// (a call wanting a slot, opening or ending its stream, keepalive, the socket closing) go in,
/// ``ConnectionAction``s come out. `Context` is the driver's handle on a call's reader.
struct ClientConnectionStateMachine<Context> {
  typealias Action = ConnectionAction<Context>

  enum State: Equatable {
    /// Carrying calls.
    case active
    /// The server sent GOAWAY: streams up to `lastStreamID` are still processed, no new call
    /// picks this connection, and it closes when its calls are done. `deferredPing` is a PING
    /// that arrived meanwhile, answered once every call holding a slot has queued its HEADERS,
    /// so that the server (which stops accepting streams on the answer) sees those streams first.
    case draining(lastStreamID: UInt32, deferredPing: ByteBuffer?)
    /// A protocol violation was answered with GOAWAY: calls failed, later frames are ignored.
    case failed
    case closed
  }

  /// Bytes of text a client's RST_STREAM carries at most (the reason is for people).
  static var resetMessageLimit: Int { 1024 }

  private(set) var state = State.active
  var core: ConnectionCore<Context>
  /// The id the next stream will take.
  private(set) var nextStreamID: UInt32 = 1
  /// Call slots in use (at most the server's max concurrent streams).
  private(set) var slotsInUse = 0
  /// Calls holding a slot whose HEADERS are not queued yet.
  private(set) var slotsAwaitingOpen = 0
  /// Calls waiting for a slot, first come first served.
  private(set) var slotWaiters = Deque<UInt64>()
  private(set) var pingOutstanding = false

  init(limits: ERPTransport.Limits, peer: String, now: NIODeadline) {
    self.core = ConnectionCore(limits: limits, peer: peer, now: now)
  }

  var isClosedOrFailed: Bool { self.state == .failed || self.state == .closed }

  // MARK: Frames

  /// One frame from the server. `oversized` is the length of a HEADERS or TRAILERS frame the
  /// decoder skipped for being above our metadata limit (the frame then has an empty payload).
  mutating func receive(_ frame: Frame, oversized: Int? = nil, now: NIODeadline) -> [Action] {
    self.dispatch(
      frame,
      oversized: oversized,
      now: now,
      makeContext: { id in preconditionFailure("a server cannot open stream \(id)") }
    )
  }

  /// The frames whose meaning is the client's own (the rest: ``RoleMachine/dispatch``).
  mutating func receiveRoleFrame(
    _ type: FrameType,
    _ frame: Frame,
    now: NIODeadline,
    makeContext: (UInt32) -> Context,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    switch type {
    case .ping: try self.receivePing(frame, &actions)
    case .goAway: try self.receiveGoAway(frame, &actions)
    case .headers: try self.receiveHeaders(frame, now: now, &actions)
    case .halfClose: throw ProtocolViolation(.protocolError, "HALF_CLOSE is sent by clients only")
    case .trailers: try self.receiveTrailers(frame, now: now, &actions)
    case .rstStream: try self.receiveReset(frame, now: now, &actions)
    case .settings, .message, .windowUpdate: break  // Handled by the shared dispatch.
    }
  }

  /// A HEADERS or TRAILERS frame above our metadata limit: the stream is reset and its call fails
  /// with RESOURCE_EXHAUSTED. The connection carries on.
  mutating func receiveOversized(
    _ frame: Frame,
    type: FrameType,
    length: Int,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    guard type == .headers || type == .trailers else {
      throw ProtocolViolation(.protocolError, "\(type) is not sent by a server")
    }
    try self.checkOpened(frame)
    let what = type == .headers ? "metadata" : "trailers"
    let limit = self.core.limits.maxMetadataSize
    let message = "response \(what) (\(length) bytes) over the limit of \(limit) bytes"
    self.failStream(frame.streamID, code: .resourceExhausted, message: message, now: now, &actions)
  }

  private mutating func receivePing(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    guard frame.payload.readableBytes == 8 else {
      throw ProtocolViolation(.protocolError, "PING payload must be 8 bytes")
    }
    if frame.flags & FrameFlags.ack != 0 {
      self.pingOutstanding = false
    } else if case .draining(let last, _) = self.state {
      self.state = .draining(lastStreamID: last, deferredPing: frame.payload)
      self.answerDeferredPing(&actions)
    } else {
      self.core.answerPing(frame.payload, &actions)
    }
  }

  private mutating func receiveGoAway(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    let goAway = try FramePayloads.parseGoAway(frame.payload)
    switch self.state {
    case .draining(let last, let ping):
      self.state = .draining(lastStreamID: min(last, goAway.lastStreamID), deferredPing: ping)
    default:
      self.state = .draining(lastStreamID: goAway.lastStreamID, deferredPing: nil)
    }
    // Streams the server never saw were not processed: they fail as UNAVAILABLE, which is safe
    // to retry on another connection.
    let error = RPCError(
      code: .unavailable,
      message: "stream refused: the server is going away (\(goAway.reason))"
    )
    for id in self.core.streams.keys where id > goAway.lastStreamID {
      if let (stream, _) = self.core.remove(id) {
        ConnectionCore.abort(stream, error: error, &actions)
      }
    }
    // Calls waiting for a slot here move to another connection.
    self.releaseSlotWaiters(.connectionUnusable, &actions)
    actions.append(.goingAway)
    if self.slotsInUse == 0 || goAway.code != GoAwayCode.noError.rawValue {
      self.core.closeWhenFlushed(.graceful, &actions)
    }
  }

  /// The server's initial metadata.
  private mutating func receiveHeaders(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard let stream = self.core.streams[frame.streamID] else { return }
    var payload = frame.payload
    do {
      actions.append(.deliverMetadata(stream.context, try MetadataBlock.read(from: &payload)))
    } catch {
      self.failMalformed(frame, error, now: now, &actions)
    }
  }

  /// A HEADERS or TRAILERS frame whose content is malformed. Its length was right, so the
  /// framing is intact: only that stream fails (reset, its call INTERNAL).
  private mutating func failMalformed(
    _ frame: Frame,
    _ violation: ProtocolViolation,
    now: NIODeadline,
    _ actions: inout [Action]
  ) {
    let what = frame.type == .headers ? "HEADERS" : "TRAILERS"
    self.failStream(
      frame.streamID,
      code: .internalError,
      message: "malformed \(what) from the server: \(violation.reason)",
      now: now,
      &actions
    )
  }

  /// The server's status ends the stream.
  private mutating func receiveTrailers(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard self.core.streams[frame.streamID] != nil else { return }
    let status: Status
    let metadata: Metadata
    do {
      (status, metadata) = try FramePayloads.parseStatus(frame.payload)
    } catch {
      self.failMalformed(frame, error, now: now, &actions)
      return
    }
    self.finishStream(frame.streamID, status: status, metadata: metadata, now: now, &actions)
  }

  /// The server reset the stream: its status ends the call.
  private mutating func receiveReset(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard self.core.streams[frame.streamID] != nil else { return }
    let (status, _) = try FramePayloads.parseStatus(frame.payload)
    self.finishStream(frame.streamID, status: status, metadata: [:], now: now, &actions)
  }

  /// The server ended the stream (TRAILERS or RST_STREAM): the call ends with its status, and a
  /// writer waiting for credit has nothing left to send to.
  private mutating func finishStream(
    _ id: UInt32,
    status: Status,
    metadata: Metadata,
    now: NIODeadline,
    _ actions: inout [Action]
  ) {
    guard let (stream, _) = self.core.remove(id) else { return }
    actions.append(.deliverStatus(stream.context, status, metadata))
    ConnectionCore.releaseWriter(stream, &actions)
    _ = self.core.streamRemoved(now: now)
  }

  /// A frame for a stream that is not open: see ``RoleMachine/checkOpened(_:)``.
  func checkOpened(_ frame: Frame) throws(ProtocolViolation) {
    let id = frame.streamID
    guard self.core.streams[id] == nil else { return }
    guard id % 2 == 1, id < self.nextStreamID else {
      throw ConnectionCore<Context>.neverOpened(frame)
    }
  }

  /// Ends one stream because of something the server sent, without disturbing the others: the
  /// stream is reset and its call ends with the status.
  mutating func failStream(
    _ id: UInt32,
    code: Status.Code,
    message: String,
    now: NIODeadline,
    _ actions: inout [Action]
  ) {
    guard let (stream, _) = self.core.remove(id) else { return }
    self.queueReset(id, message: message)
    actions.append(.deliverStatus(stream.context, Status(code: code, message: message), [:]))
    if let waiter = stream.state.flow.creditWaiter {
      actions.append(.failWaiter(waiter, .error(code: .cancelled, message: message)))
    }
    _ = self.core.streamRemoved(now: now)
    self.core.scheduleWrite(&actions)
  }

  private mutating func queueReset(_ id: UInt32, message: String) {
    self.core.outbound.appendControl(
      Frame(
        type: .rstStream,
        streamID: id,
        payload: FramePayloads.status(
          Status(code: .cancelled, message: message),
          limit: Self.resetMessageLimit
        )
      )
    )
  }

  // MARK: Calls

  enum SlotOutcome: Equatable {
    /// The call holds a slot: it may open its stream.
    case acquired
    /// Every slot is taken: the call waits (``enqueueSlotWaiter(_:)``).
    case full
    /// Queued: resumed by ``ConnectionAction/resume(waiter:)`` when a slot frees.
    case queued
    /// The connection takes no new calls: the call moves to another connection.
    case refused
  }

  /// A call asks for one of the server's concurrent-stream slots, so that a burst of calls
  /// queues on the client instead of being refused by the server.
  mutating func acquireSlot() -> SlotOutcome {
    guard self.state == .active else { return .refused }
    guard self.slotsInUse < Int(self.core.peerSettings.maxConcurrentStreams) else { return .full }
    self.slotsInUse += 1
    self.slotsAwaitingOpen += 1
    return .acquired
  }

  /// A call that found every slot taken waits for one (unless one freed meanwhile).
  mutating func enqueueSlotWaiter(_ waiter: UInt64) -> SlotOutcome {
    let outcome = self.acquireSlot()
    guard outcome == .full else { return outcome }
    self.slotWaiters.append(waiter)
    return .queued
  }

  /// A call waiting for a slot was cancelled. True when it was still waiting.
  mutating func cancelSlotWaiter(_ waiter: UInt64) -> Bool {
    guard let index = self.slotWaiters.firstIndex(of: waiter) else { return false }
    self.slotWaiters.remove(at: index)
    return true
  }

  private mutating func releaseSlotWaiters(_ failure: WaiterFailure, _ actions: inout [Action]) {
    for waiter in self.slotWaiters { actions.append(.failWaiter(waiter, failure)) }
    self.slotWaiters.removeAll()
  }

  /// A call holding a slot opens its stream: takes the next id and queues HEADERS in the same
  /// step, so ids reach the server in increasing order.
  mutating func openStream(
    headers payload: ByteBuffer,
    context: Context,
    now: NIODeadline
  ) -> (result: Result<UInt32, RPCError>, actions: [Action]) {
    var actions: [Action] = []
    self.slotsAwaitingOpen -= 1
    defer { self.answerDeferredPing(&actions) }
    // A draining server still processes streams up to the id its GOAWAY names (all of them
    // during the first phase of a drain).
    let lastAccepted: UInt32
    switch self.state {
    case .active: lastAccepted = .max
    case .draining(let last, _): lastAccepted = last
    case .failed, .closed: lastAccepted = 0
    }
    guard self.nextStreamID <= lastAccepted else {
      let error = RPCError(code: .unavailable, message: "connection is closing; retry the call")
      return (.failure(error), actions)
    }
    let limit = self.core.peerSettings.maxMetadataSize
    guard payload.readableBytes <= Int(limit) else {
      let message =
        "request metadata of \(payload.readableBytes) bytes exceeds the server's limit of \(limit)"
      return (.failure(RPCError(code: .resourceExhausted, message: message)), actions)
    }
    let id = self.nextStreamID
    self.nextStreamID += 2
    self.core.streams[id] = ConnectionCore.Stream(
      state: StreamState(
        sendWindow: Int(self.core.peerSettings.initialWindowSize),
        receiveWindow: self.core.limits.initialWindowSize
      ),
      context: context
    )
    self.core.idleSince = nil
    self.core.outbound.append(Frame(type: .headers, streamID: id, payload: payload))
    self.core.scheduleWrite(&actions)
    return (.success(id), actions)
  }

  /// The client sent its last message.
  mutating func halfClose(stream id: UInt32) -> [Action] {
    self.core.queue(
      Frame(type: .halfClose, streamID: id, payload: ByteBuffer()),
      closed: self.state == .closed
    )
  }

  /// The call is over: reset the stream if the server has not finished it, and give its slot to
  /// the next waiting call. `id` is nil for a call that never opened its stream.
  mutating func endStream(_ id: UInt32?, reason: String, now: NIODeadline) -> [Action] {
    var actions: [Action] = []
    if let id, let (stream, unsent) = self.core.remove(id) {
      // A stream whose HEADERS never left is unknown to the server: nothing to reset.
      if !unsent { self.queueReset(id, message: reason) }
      actions.append(.finish(stream.context))
      ConnectionCore.releaseWriter(stream, &actions)
      _ = self.core.streamRemoved(now: now)
      self.core.scheduleWrite(&actions)
    }
    self.slotsInUse -= 1
    if id == nil {
      self.slotsAwaitingOpen -= 1
      self.answerDeferredPing(&actions)
    }
    if let waiter = self.slotWaiters.popFirst() {
      self.slotsInUse += 1
      self.slotsAwaitingOpen += 1
      actions.append(.resume(waiter: waiter))
    }
    if case .draining = self.state, self.slotsInUse == 0 {
      self.core.closeWhenFlushed(.graceful, &actions)
    }
    return actions
  }

  /// Answers a PING held back while draining, once no call holding a slot is still to queue its
  /// HEADERS. The answer is queued in stream order (on the round-robin, not ahead of it), so it
  /// leaves after those HEADERS.
  private mutating func answerDeferredPing(_ actions: inout [Action]) {
    guard self.slotsAwaitingOpen == 0, case .draining(let last, let payload?) = self.state else {
      return
    }
    self.state = .draining(lastStreamID: last, deferredPing: nil)
    self.core.outbound.append(
      Frame(type: .ping, flags: FrameFlags.ack, streamID: 0, payload: payload)
    )
    self.core.scheduleWrite(&actions)
  }

  // MARK: Connection events

  /// The keepalive timer fired: sends a PING unless one is unanswered, in which case the peer is
  /// gone and the connection closes (failing its calls with UNAVAILABLE).
  mutating func keepaliveTimerFired(now: NIODeadline) -> [Action] {
    var actions: [Action] = []
    guard self.state != .closed else { return actions }
    if self.pingOutstanding { return [.closeChannel] }
    self.pingOutstanding = true
    var payload = ByteBuffer()
    payload.writeInteger(UInt64(now.uptimeNanoseconds))
    self.core.outbound.appendControl(Frame(type: .ping, streamID: 0, payload: payload))
    self.core.scheduleWrite(&actions)
    return actions
  }

  /// Answers a protocol violation with GOAWAY, then closes. The calls on the connection fail at
  /// once (UNAVAILABLE) and the pool stops using it now, not when the socket finally closes:
  /// until then a new call would pick it again and again without ever suspending, and on the
  /// connection's own event loop that spin keeps the close from ever running.
  mutating func fail(_ violation: ProtocolViolation) -> [Action] {
    var actions: [Action] = []
    guard !self.isClosedOrFailed else { return actions }
    self.state = .failed
    let error = RPCError(
      code: .unavailable,
      message: "connection to \(self.core.peer) failed: \(violation.reason)"
    )
    self.core.abortAll(error: error, &actions)
    self.releaseSlotWaiters(.connectionUnusable, &actions)
    actions.append(.goingAway)
    self.core.outbound.appendControl(
      .goAway(lastStreamID: 0, code: violation.code, reason: violation.reason)
    )
    self.core.closeWhenFlushed(.afterViolation, &actions)
    return actions
  }

  /// The socket closed: every open call and every waiting call fails with UNAVAILABLE.
  mutating func channelInactive() -> [Action] {
    var actions: [Action] = []
    guard self.state != .closed else { return actions }
    self.state = .closed
    let error = RPCError(code: .unavailable, message: "connection to \(self.core.peer) was lost")
    self.core.abortAll(error: error, &actions)
    self.releaseSlotWaiters(.error(code: error.code, message: error.message), &actions)
    actions.append(.closed)
    return actions
  }
}

extension ClientConnectionStateMachine: Sendable where Context: Sendable {}

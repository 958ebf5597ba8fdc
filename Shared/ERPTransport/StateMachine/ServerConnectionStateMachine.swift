import GRPCCore
import NIOCore

/// The server side of one connection, as a pure state machine: frames from the client and events
/// (timers, the application's writes, the socket closing) go in, ``ConnectionAction``s come out.
/// `Context` is the driver's handle on a stream (its reader and handler); tests use plain values.
struct ServerConnectionStateMachine<Context> {
  typealias Action = ConnectionAction<Context>

  enum State: Equatable {
    /// Serving streams.
    case active
    /// We sent the first GOAWAY and the drain PING (`acknowledged` false), then, once the PING
    /// came back or its timer fired, the second GOAWAY (`acknowledged` true): later streams are
    /// refused and the connection closes when its streams are done.
    case draining(acknowledged: Bool)
    /// The client sent GOAWAY: it opens no more streams; ours finish, then the connection closes.
    case peerGoingAway
    /// A protocol violation was answered with GOAWAY: later frames are ignored.
    case failed
    case closed
  }

  static var drainPingPayload: [UInt8] { Array("DRAINING".utf8) }
  static var deadlineExceededMessage: String { "deadline exceeded: the call's grpc-timeout passed" }

  private(set) var state = State.active
  var core: ConnectionCore<Context>
  /// The highest stream id the client opened.
  private(set) var lastPeerStreamID: UInt32 = 0

  init(limits: ERPTransport.Limits, peer: String, now: NIODeadline) {
    self.core = ConnectionCore(limits: limits, peer: peer, now: now)
  }

  var isClosedOrFailed: Bool { self.state == .failed || self.state == .closed }

  // MARK: Frames

  /// One frame from the client. `oversized` is the length of a HEADERS frame the decoder
  /// skipped for being above our metadata limit (the frame then has an empty payload).
  mutating func receive(
    _ frame: Frame,
    oversized: Int? = nil,
    now: NIODeadline,
    makeContext: (UInt32) -> Context
  ) -> [Action] {
    self.dispatch(frame, oversized: oversized, now: now, makeContext: makeContext)
  }

  /// The frames whose meaning is the server's own (the rest: ``RoleMachine/dispatch``).
  mutating func receiveRoleFrame(
    _ type: FrameType,
    _ frame: Frame,
    now: NIODeadline,
    makeContext: (UInt32) -> Context,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    switch type {
    case .ping: try self.receivePing(frame, now: now, &actions)
    case .goAway: try self.receiveGoAway(frame, &actions)
    case .headers: try self.receiveHeaders(frame, now: now, makeContext: makeContext, &actions)
    case .halfClose: try self.receiveHalfClose(frame, &actions)
    case .trailers: throw ProtocolViolation(.protocolError, "TRAILERS are sent by servers only")
    case .rstStream: try self.receiveReset(frame, now: now, &actions)
    case .settings, .message, .windowUpdate: break  // Handled by the shared dispatch.
    }
  }

  mutating func receiveOversized(
    _ frame: Frame,
    type: FrameType,
    length: Int,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    guard type == .headers else {
      throw ProtocolViolation(.protocolError, "\(type) is not sent by a client")
    }
    try self.checkNewStreamID(frame.streamID)
    let message =
      "request metadata (\(length) bytes) over the limit of \(self.core.limits.maxMetadataSize) bytes"
    self.refuse(frame.streamID, .resourceExhausted, message, &actions)
  }

  private mutating func receivePing(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    guard frame.payload.readableBytes == 8 else {
      throw ProtocolViolation(.protocolError, "PING payload must be 8 bytes")
    }
    if frame.flags & FrameFlags.ack != 0 {
      if self.state == .draining(acknowledged: false),
        frame.payload.readableBytesView.elementsEqual(Self.drainPingPayload)
      {
        self.drainAcknowledged(&actions)
      }
    } else {
      self.core.answerPing(frame.payload, &actions)
    }
  }

  private mutating func receiveGoAway(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    let goAway = try FramePayloads.parseGoAway(frame.payload)
    if self.state == .active { self.state = .peerGoingAway }
    if self.core.streams.isEmpty || goAway.code != GoAwayCode.noError.rawValue {
      self.core.closeWhenFlushed(.graceful, &actions)
    }
  }

  /// A client opens a stream.
  private mutating func receiveHeaders(
    _ frame: Frame,
    now: NIODeadline,
    makeContext: (UInt32) -> Context,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    let id = frame.streamID
    try self.checkNewStreamID(id)
    let (path, metadata) = try FramePayloads.parseRequestHeaders(frame.payload)
    if self.state == .draining(acknowledged: true) {
      let message = "the server is shutting down; retry on another connection"
      self.refuse(id, .unavailable, message, &actions)
      return
    }
    let limit = self.core.limits.maxConcurrentStreams
    if self.core.streams.count >= limit {
      let message = "too many concurrent streams (limit \(limit))"
      self.refuse(id, .resourceExhausted, message, &actions)
      return
    }
    guard let descriptor = MethodPath.parse(path) else {
      let quoted = StatusText.quoted(path)
      self.refuse(id, .unimplemented, "malformed method path \"\(quoted)\"", &actions)
      return
    }
    let deadline: NIODeadline?
    switch RequestHeaders.validate(metadata) {
    case .success(let timeout):
      deadline = timeout.map { now + $0 }
    case .failure(let refusal):
      self.refuse(id, refusal.code, refusal.message, &actions)
      return
    }
    let context = makeContext(id)
    self.core.streams[id] = ConnectionCore.Stream(
      state: StreamState(
        sendWindow: Int(self.core.peerSettings.initialWindowSize),
        receiveWindow: self.core.limits.initialWindowSize
      ),
      context: context,
      deadline: deadline
    )
    self.core.idleSince = nil
    actions.append(
      .accept(
        AcceptedStream(
          id: id,
          descriptor: descriptor,
          metadata: metadata,
          context: context,
          deadline: deadline
        )
      )
    )
  }

  /// A client opens streams with odd, increasing ids; the id becomes the last opened.
  private mutating func checkNewStreamID(_ id: UInt32) throws(ProtocolViolation) {
    guard id % 2 == 1 else {
      throw ProtocolViolation(.protocolError, "stream id \(id) is even; clients open odd ids")
    }
    guard id > self.lastPeerStreamID else {
      throw ProtocolViolation(
        .protocolError,
        "stream id \(id) reused or not increasing (last opened: \(self.lastPeerStreamID))"
      )
    }
    self.lastPeerStreamID = id
  }

  /// A frame for a stream that is not open: see ``RoleMachine/checkOpened(_:)``.
  func checkOpened(_ frame: Frame) throws(ProtocolViolation) {
    let id = frame.streamID
    guard self.core.streams[id] == nil else { return }
    guard id % 2 == 1, id <= self.lastPeerStreamID else {
      throw ConnectionCore<Context>.neverOpened(frame)
    }
  }

  /// Ends a stream at once with a status, before any handler runs.
  private mutating func refuse(
    _ id: UInt32,
    _ code: Status.Code,
    _ message: String,
    _ actions: inout [Action]
  ) {
    self.queueTrailers(id, Status(code: code, message: message), [:], &actions)
  }

  private mutating func queueTrailers(
    _ id: UInt32,
    _ status: Status,
    _ metadata: Metadata,
    _ actions: inout [Action]
  ) {
    self.core.outbound.append(
      Frame(
        type: .trailers,
        streamID: id,
        payload: FramePayloads.status(
          status,
          metadata: metadata,
          limit: Int(self.core.peerSettings.maxMetadataSize)
        )
      )
    )
    self.core.scheduleWrite(&actions)
  }

  /// The client sent all its messages.
  private mutating func receiveHalfClose(
    _ frame: Frame,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard self.core.streams[frame.streamID] != nil else { return }
    try self.core.streams[frame.streamID]!.state.receiveHalfClose(streamID: frame.streamID)
    actions.append(.finish(self.core.streams[frame.streamID]!.context))
  }

  /// The client cancelled a call: its handler is cancelled.
  private mutating func receiveReset(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard self.core.streams[frame.streamID] != nil else { return }
    let (status, _) = try FramePayloads.parseStatus(frame.payload)
    guard let (stream, _) = self.remove(frame.streamID) else { return }
    let error = RPCError(
      code: .cancelled,
      message: "the client cancelled the call: \(status.message)"
    )
    ConnectionCore.abort(stream, error: error, &actions)
    self.streamRemoved(now: now, &actions)
  }

  // MARK: Ending streams

  private mutating func remove(_ id: UInt32) -> (ConnectionCore<Context>.Stream, Bool)? {
    self.core.remove(id)
  }

  /// Ends one stream because of something on our side or its peer's, without disturbing the
  /// others: TRAILERS with the status, and the handler is cancelled.
  mutating func failStream(
    _ id: UInt32,
    code: Status.Code,
    message: String,
    now: NIODeadline,
    _ actions: inout [Action]
  ) {
    guard let (stream, _) = self.remove(id) else { return }
    self.queueTrailers(id, Status(code: code, message: message), [:], &actions)
    ConnectionCore.abort(
      stream,
      error: RPCError(code: .init(code) ?? .unknown, message: message),
      &actions
    )
    self.streamRemoved(now: now, &actions)
  }

  /// A stream left the table: track idleness, and finish draining when it was the last one.
  private mutating func streamRemoved(now: NIODeadline, _ actions: inout [Action]) {
    guard self.core.streamRemoved(now: now) else { return }
    if self.state == .draining(acknowledged: true) {
      self.core.closeWhenFlushed(.graceful, &actions)
    }
  }

  /// The handler ends its stream with a status (TRAILERS, unless the stream already ended). The
  /// trailers fit the client's metadata limit, and a call whose deadline has passed ends
  /// DEADLINE_EXCEEDED whatever error the handler gave (typically the cancellation it caused).
  mutating func endStream(
    _ id: UInt32,
    status: Status,
    metadata: Metadata = [:],
    now: NIODeadline
  ) -> [Action] {
    var actions: [Action] = []
    // What the handler queued before its status still goes out, ahead of the TRAILERS.
    guard let stream = self.core.streams.removeValue(forKey: id) else { return actions }
    var status = status
    if status.code != .ok, let deadline = stream.deadline, now >= deadline {
      status = Status(code: .deadlineExceeded, message: Self.deadlineExceededMessage)
    }
    self.queueTrailers(id, status, metadata, &actions)
    // Anything the client still sends on this stream is ignored; its reader ends here.
    actions.append(.finish(stream.context))
    ConnectionCore.releaseWriter(stream, &actions)
    self.streamRemoved(now: now, &actions)
    return actions
  }

  /// The handler's initial metadata. Metadata above the client's limit would make the client
  /// fail the stream anyway: the stream ends INTERNAL saying why, and the error is returned.
  mutating func sendHeaders(
    _ metadata: Metadata,
    onStream id: UInt32,
    now: NIODeadline
  ) -> (actions: [Action], error: RPCError?) {
    let payload = FramePayloads.responseHeaders(metadata: metadata)
    let limit = Int(self.core.peerSettings.maxMetadataSize)
    guard payload.readableBytes <= limit else {
      let message =
        "response metadata of \(payload.readableBytes) bytes exceeds the client's limit of \(limit)"
      let actions = self.endStream(
        id,
        status: Status(code: .internalError, message: message),
        now: now
      )
      return (actions, RPCError(code: .internalError, message: message))
    }
    return (
      self.core.queue(
        Frame(type: .headers, streamID: id, payload: payload),
        closed: self.state == .closed
      ), nil
    )
  }

  /// The call's deadline passed while it was still open: the server ends it by itself, whatever
  /// the client does (wire spec §2.1): TRAILERS DEADLINE_EXCEEDED, and the handler is cancelled.
  mutating func deadlinePassed(onStream id: UInt32, now: NIODeadline) -> [Action] {
    var actions: [Action] = []
    self.failStream(
      id,
      code: .deadlineExceeded,
      message: Self.deadlineExceededMessage,
      now: now,
      &actions
    )
    return actions
  }

  /// Changes an open stream's context (the handler's task or cancellation handle attached);
  /// false when the stream has already ended.
  mutating func updateContext(ofStream id: UInt32, _ change: (inout Context) -> Void) -> Bool {
    guard self.core.streams[id] != nil else { return false }
    change(&self.core.streams[id]!.context)
    return true
  }

  // MARK: Connection events

  /// Answers a protocol violation with GOAWAY, then closes. Later frames are ignored.
  mutating func fail(_ violation: ProtocolViolation) -> [Action] {
    var actions: [Action] = []
    guard !self.isClosedOrFailed else { return actions }
    self.state = .failed
    self.core.outbound.appendControl(
      .goAway(lastStreamID: self.lastPeerStreamID, code: violation.code, reason: violation.reason)
    )
    self.core.closeWhenFlushed(.afterViolation, &actions)
    return actions
  }

  /// Begins a graceful drain in two phases, as HTTP/2 servers do, so that no call is refused
  /// because it crossed the GOAWAY on the wire. First: GOAWAY with last stream id 2^31-1 ("stop
  /// opening streams; I will still process what you sent") and a PING. When the PING comes back,
  /// every stream the client opened before it saw the GOAWAY has arrived (TCP keeps order): a
  /// second GOAWAY names the real last stream, later streams are refused, and the connection
  /// closes once its streams finish. A client that never answers is treated as having answered
  /// after `acknowledgementTimeout`.
  mutating func beginDraining(
    reason: String,
    acknowledgementTimeout: TimeAmount = .seconds(5)
  ) -> [Action] {
    var actions: [Action] = []
    guard self.state == .active else { return actions }
    self.state = .draining(acknowledged: false)
    self.core.outbound.appendControl(
      .goAway(lastStreamID: UInt32(Int32.max), code: .noError, reason: reason)
    )
    self.core.outbound.appendControl(
      Frame(type: .ping, streamID: 0, payload: ByteBuffer(bytes: Self.drainPingPayload))
    )
    self.core.scheduleWrite(&actions)
    actions.append(.scheduleDrainTimer(acknowledgementTimeout))
    return actions
  }

  /// The drain PING's timer fired: a client that has not answered is taken as having answered.
  mutating func drainTimerFired() -> [Action] {
    var actions: [Action] = []
    if self.state == .draining(acknowledged: false) { self.drainAcknowledged(&actions) }
    return actions
  }

  /// The second phase of a drain (see ``beginDraining(reason:acknowledgementTimeout:)``).
  private mutating func drainAcknowledged(_ actions: inout [Action]) {
    self.state = .draining(acknowledged: true)
    self.core.outbound.appendControl(
      .goAway(
        lastStreamID: self.lastPeerStreamID,
        code: .noError,
        reason: "draining: no stream after \(self.lastPeerStreamID) will be processed"
      )
    )
    if self.core.streams.isEmpty {
      self.core.closeWhenFlushed(.graceful, &actions)
    } else {
      self.core.scheduleWrite(&actions)
    }
  }

  /// The idle timer fired: a connection with no stream for `timeout` is drained.
  mutating func idleTimerFired(timeout: TimeAmount, now: NIODeadline) -> [Action] {
    guard self.core.isIdle(for: timeout, now: now) else { return [] }
    return self.beginDraining(reason: "connection idle")
  }

  /// The handshake timer fired: a client that sent no preface and SETTINGS is dropped.
  mutating func handshakeTimerFired() -> [Action] {
    guard !self.core.gotPeerSettings else { return [] }
    return self.fail(ProtocolViolation(.protocolError, "no preface and SETTINGS in time"))
  }

  /// The grace period is over: every handler still running is cancelled, and the connection
  /// closes.
  mutating func cancelAllStreams(reason: String, now: NIODeadline) -> [Action] {
    var actions: [Action] = []
    for id in self.core.streams.keys {
      self.failStream(id, code: .unavailable, message: reason, now: now, &actions)
    }
    self.core.closeWhenFlushed(.graceful, &actions)
    return actions
  }

  /// The socket closed: every open stream ends with UNAVAILABLE (its handler is cancelled).
  mutating func channelInactive() -> [Action] {
    var actions: [Action] = []
    guard self.state != .closed else { return actions }
    self.state = .closed
    let error = RPCError(code: .unavailable, message: "connection to \(self.core.peer) was lost")
    self.core.abortAll(error: error, &actions)
    actions.append(.closed)
    return actions
  }
}

extension ServerConnectionStateMachine: Sendable where Context: Sendable {}

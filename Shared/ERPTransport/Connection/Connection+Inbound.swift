import GRPCCore
import NIOCore

extension Connection {
  /// Handles one frame from the peer. A thrown violation is answered with GOAWAY by the caller.
  /// `oversized` is the length of a HEADERS or TRAILERS frame the decoder skipped for being above
  /// our metadata limit (`frame` then has an empty payload): that frame's stream fails alone.
  func receive(_ frame: Frame, oversized: Int? = nil) throws(ProtocolViolation) {
    var effects = Effects()
    defer { effects.run() }
    let outcome = self.state.withLockedValue { state -> Result<Void, ProtocolViolation> in
      do throws(ProtocolViolation) {
        if let oversized {
          try self.dispatchOversized(frame, length: oversized, &state, &effects)
        } else {
          try self.dispatch(frame, &state, &effects)
        }
        return .success(())
      } catch {
        return .failure(error)
      }
    }
    try outcome.get()
  }

  /// The checks every frame passes first: nil when the frame is to be ignored.
  private func admit(_ frame: Frame, _ state: State) throws(ProtocolViolation) -> FrameType? {
    guard !state.failed, !state.closed else { return nil }
    guard let type = frame.type else { return nil }  // Unknown kinds are ignored.
    if !state.gotPeerSettings, type != .settings {
      throw ProtocolViolation(
        .protocolError,
        "the first frame after the preface must be SETTINGS"
      )
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

  private func dispatch(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    do {
      guard let type = try self.admit(frame, state) else { return }
      switch type {
      case .settings: try self.receiveSettings(frame, &state, &effects)
      case .ping: try self.receivePing(frame, &state, &effects)
      case .goAway: try self.receiveGoAway(frame, &state, &effects)
      case .headers:
        switch self.role {
        case .server: try self.receiveRequestHeaders(frame, &state, &effects)
        case .client: try self.receiveResponseHeaders(frame, &state, &effects)
        }
      case .message: try self.receiveMessage(frame, &state, &effects)
      case .halfClose: try self.receiveHalfClose(frame, &state, &effects)
      case .trailers: try self.receiveTrailers(frame, &state, &effects)
      case .rstStream: try self.receiveReset(frame, &state, &effects)
      case .windowUpdate: try self.receiveWindowUpdate(frame, &state, &effects)
      }
    }
  }

  /// A HEADERS or TRAILERS frame above our metadata limit, its payload skipped: the server
  /// refuses that stream with RESOURCE_EXHAUSTED; the client resets it and its call fails with
  /// RESOURCE_EXHAUSTED. The connection carries on.
  private func dispatchOversized(
    _ frame: Frame,
    length: Int,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard let type = try self.admit(frame, state) else { return }
    let what = type == .headers ? "metadata" : "trailers"
    let message =
      "\(what) (\(length) bytes) over the limit of \(self.limits.maxMetadataSize) bytes"
    switch (self.role, type) {
    case (.server, .headers):
      try self.checkNewStreamID(frame.streamID, &state)
      self.refuse(frame.streamID, .resourceExhausted, "request \(message)", &state, &effects)
    case (.client, .headers), (.client, .trailers):
      guard let record = try self.record(for: frame, state) else { return }
      state.streams[frame.streamID] = nil
      self.failStream(
        frame.streamID,
        record,
        code: .resourceExhausted,
        message: "response \(message)",
        &state,
        &effects
      )
    default:
      throw ProtocolViolation(
        .protocolError,
        "\(type) is not sent by a \(self.role == .server ? "client" : "server")"
      )
    }
  }

  // MARK: Connection frames

  private func receiveSettings(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    state.peerSettings = try Settings.decode(frame.payload)
    if !state.gotPeerSettings {
      state.gotPeerSettings = true
      state.idleSince = .now()
      effects.append { self.callbacks.onReady(self) }
    }
  }

  private func receivePing(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard frame.payload.readableBytes == 8 else {
      throw ProtocolViolation(.protocolError, "PING payload must be 8 bytes")
    }
    if frame.flags & FrameFlags.ack != 0 {
      if self.role == .server, state.draining, !state.drainAcknowledged,
        frame.payload.readableBytesView.elementsEqual(Self.drainPingPayload)
      {
        self.drainAcknowledged(&state, &effects)
      } else {
        state.pingOutstanding = false
      }
    } else if self.role == .client, state.draining {
      state.deferredPingAnswer = frame.payload
      self.answerDeferredPing(&state, &effects)
    } else {
      state.outbound.appendControl(
        Frame(type: .ping, flags: FrameFlags.ack, streamID: 0, payload: frame.payload)
      )
      self.scheduleDrain(&state, &effects)
    }
  }

  private func receiveGoAway(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    let goAway = try FramePayloads.parseGoAway(frame.payload)
    state.draining = true
    state.goAwayLastStreamID = min(goAway.lastStreamID, state.goAwayLastStreamID ?? .max)
    if self.role == .client {
      // Streams the server never saw were not processed: they fail as UNAVAILABLE, which is safe
      // to retry on another connection.
      let refused = state.streams.keys.filter { $0 > goAway.lastStreamID }
      let error = RPCError(
        code: .unavailable,
        message: "stream refused: the server is going away (\(goAway.reason))"
      )
      for id in refused {
        if let record = state.streams.removeValue(forKey: id) {
          _ = state.outbound.dropFrames(ofStream: id)
          self.abort(record, error: error, &effects)
        }
      }
      // Calls waiting for a slot here move to another connection.
      let waiters = state.slotWaiters
      state.slotWaiters.removeAll()
      effects.append {
        for waiter in waiters { waiter.continuation.resume(throwing: ConnectionUnusable()) }
      }
      effects.append { self.callbacks.onGoAway(self) }
      if state.slotsInUse == 0 || goAway.code != GoAwayCode.noError.rawValue {
        state.closeWhenFlushed = true
        self.scheduleDrain(&state, &effects)
      }
    } else if state.streams.isEmpty || goAway.code != GoAwayCode.noError.rawValue {
      state.closeWhenFlushed = true
      self.scheduleDrain(&state, &effects)
    }
  }

  // MARK: Stream frames

  /// Server: a client opens a stream.
  private func receiveRequestHeaders(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    let id = frame.streamID
    try self.checkNewStreamID(id, &state)
    let (path, metadata) = try FramePayloads.parseRequestHeaders(frame.payload)

    if state.draining, state.drainAcknowledged {
      self.refuse(
        id,
        .unavailable,
        "the server is shutting down; retry on another connection",
        &state,
        &effects
      )
      return
    }
    if state.streams.count >= self.limits.maxConcurrentStreams {
      self.refuse(
        id,
        .resourceExhausted,
        "too many concurrent streams (limit \(self.limits.maxConcurrentStreams))",
        &state,
        &effects
      )
      return
    }
    guard let descriptor = MethodPath.parse(path) else {
      let quoted = StatusText.quoted(path)
      self.refuse(id, .unimplemented, "malformed method path \"\(quoted)\"", &state, &effects)
      return
    }
    let deadline: NIODeadline?
    switch RequestHeaders.validate(metadata) {
    case .success(let timeout):
      deadline = timeout.map { NIODeadline.now() + $0 }
    case .failure(let refusal):
      self.refuse(id, refusal.code, refusal.message, &state, &effects)
      return
    }

    let inbound = InboundQueue<RPCRequestPart<ERPTransport.Bytes>>(
      size: { part in
        if case .message(let bytes) = part { return bytes.count }
        return 0
      },
      consumed: { [weak self] bytes in self?.consumed(bytes, onStream: id) }
    )
    inbound.yield(.metadata(metadata))
    var record = StreamRecord(
      sink: .server(inbound),
      sendWindow: Int(state.peerSettings.initialWindowSize),
      receiveWindow: self.limits.initialWindowSize
    )
    record.deadline = deadline
    state.streams[id] = record
    state.idleSince = nil
    let accepted = AcceptedStream(
      id: id,
      descriptor: descriptor,
      inbound: inbound,
      deadline: deadline
    )
    effects.append { self.callbacks.onStream(accepted, self) }
  }

  /// Server: a client opens streams with odd, increasing ids; the id becomes the last opened.
  private func checkNewStreamID(_ id: UInt32, _ state: inout State) throws(ProtocolViolation) {
    guard id % 2 == 1 else {
      throw ProtocolViolation(.protocolError, "stream id \(id) is even; clients open odd ids")
    }
    guard id > state.lastPeerStreamID else {
      throw ProtocolViolation(
        .protocolError,
        "stream id \(id) reused or not increasing (last opened: \(state.lastPeerStreamID))"
      )
    }
    state.lastPeerStreamID = id
  }

  /// Server: ends a stream at once with a status, before any handler runs.
  private func refuse(
    _ id: UInt32,
    _ code: Status.Code,
    _ message: String,
    _ state: inout State,
    _ effects: inout Effects
  ) {
    state.outbound.append(
      Frame(
        type: .trailers,
        streamID: id,
        payload: FramePayloads.status(
          Status(code: code, message: message),
          limit: Int(state.peerSettings.maxMetadataSize)
        )
      )
    )
    self.scheduleDrain(&state, &effects)
  }

  /// Client: the server's initial metadata.
  private func receiveResponseHeaders(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard let record = try self.record(for: frame, state) else { return }
    var payload = frame.payload
    let metadata: Metadata
    do {
      metadata = try MetadataBlock.read(from: &payload)
    } catch {
      self.failMalformed(frame, record, error, &state, &effects)
      return
    }
    if case .client(let continuation) = record.sink {
      continuation.yield(.metadata(metadata))
    }
  }

  /// Client: a HEADERS or TRAILERS frame whose content is malformed. Its length was right, so
  /// the framing is intact: only that stream fails (reset, its call INTERNAL).
  private func failMalformed(
    _ frame: Frame,
    _ record: StreamRecord,
    _ violation: ProtocolViolation,
    _ state: inout State,
    _ effects: inout Effects
  ) {
    state.streams[frame.streamID] = nil
    let what = frame.type == .headers ? "HEADERS" : "TRAILERS"
    self.failStream(
      frame.streamID,
      record,
      code: .internalError,
      message: "malformed \(what) from the server: \(violation.reason)",
      &state,
      &effects
    )
  }

  private func receiveMessage(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard var record = try self.record(for: frame, state) else { return }
    let id = frame.streamID
    guard !record.remoteClosed else {
      throw ProtocolViolation(.protocolError, "MESSAGE on stream \(id) after it was half-closed")
    }
    guard frame.payload.readableBytes <= self.limits.maxFrameSize else {
      throw ProtocolViolation(
        .frameSizeError,
        "MESSAGE of \(frame.payload.readableBytes) bytes exceeds max frame size \(self.limits.maxFrameSize)"
      )
    }
    if record.partial == nil {
      guard record.receiveWindow > 0 else {
        throw ProtocolViolation(
          .flowControlError,
          "stream \(id) started a message without flow-control credit"
        )
      }
      record.partial = frame.payload
    } else {
      var chunk = frame.payload
      record.partial!.writeBuffer(&chunk)
    }
    let size = record.partial!.readableBytes
    if size > self.limits.maxMessageSize {
      state.streams[id] = nil
      let message =
        "message larger than the limit of \(self.limits.maxMessageSize) bytes (received \(size) so far)"
      self.failStream(id, record, code: .resourceExhausted, message: message, &state, &effects)
      return
    }
    if frame.flags & FrameFlags.endMessage != 0 {
      let message = record.partial!
      record.partial = nil
      record.receiveWindow -= message.readableBytes
      switch record.sink {
      case .server(let continuation): continuation.yield(.message(ERPTransport.Bytes(message)))
      case .client(let continuation): continuation.yield(.message(ERPTransport.Bytes(message)))
      }
    }
    state.streams[id] = record
  }

  /// Ends one stream because of something its peer sent, without disturbing the others: the
  /// server answers with TRAILERS and cancels the handler; the client resets the stream and its
  /// call ends with the status.
  func failStream(
    _ id: UInt32,
    _ record: StreamRecord,
    code: Status.Code,
    message: String,
    _ state: inout State,
    _ effects: inout Effects
  ) {
    _ = state.outbound.dropFrames(ofStream: id)
    let status = Status(code: code, message: message)
    switch self.role {
    case .server:
      state.outbound.append(
        Frame(
          type: .trailers,
          streamID: id,
          payload: FramePayloads.status(status, limit: Int(state.peerSettings.maxMetadataSize))
        )
      )
      self.abort(record, error: RPCError(code: .init(code) ?? .unknown, message: message), &effects)
    case .client:
      state.outbound.appendControl(
        Frame(
          type: .rstStream,
          streamID: id,
          payload: FramePayloads.status(
            Status(code: .cancelled, message: message),
            limit: Self.resetMessageLimit
          )
        )
      )
      if case .client(let continuation) = record.sink {
        continuation.yield(.status(status, [:]))
        continuation.finish()
      }
      let waiter = record.creditWaiter
      effects.append {
        waiter?.continuation.resume(throwing: RPCError(code: .cancelled, message: message))
      }
    }
    self.streamRemoved(&state, &effects)
    self.scheduleDrain(&state, &effects)
  }

  /// Server: the client sent all its messages.
  private func receiveHalfClose(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard self.role == .server else {
      throw ProtocolViolation(.protocolError, "HALF_CLOSE is sent by clients only")
    }
    guard var record = try self.record(for: frame, state) else { return }
    guard record.partial == nil else {
      throw ProtocolViolation(
        .protocolError,
        "HALF_CLOSE on stream \(frame.streamID) in the middle of a message"
      )
    }
    record.remoteClosed = true
    record.sink.finish()
    state.streams[frame.streamID] = record
  }

  /// Client: the server's status ends the stream.
  private func receiveTrailers(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard self.role == .client else {
      throw ProtocolViolation(.protocolError, "TRAILERS are sent by servers only")
    }
    guard let record = try self.record(for: frame, state) else { return }
    let status: Status
    let metadata: Metadata
    do {
      (status, metadata) = try FramePayloads.parseStatus(frame.payload)
    } catch {
      self.failMalformed(frame, record, error, &state, &effects)
      return
    }
    state.streams[frame.streamID] = nil
    _ = state.outbound.dropFrames(ofStream: frame.streamID)
    if case .client(let continuation) = record.sink {
      continuation.yield(.status(status, metadata))
      continuation.finish()
    }
    // A writer still waiting for credit has nothing left to send to: let it finish.
    if let waiter = record.creditWaiter {
      effects.append { waiter.continuation.resume() }
    }
    self.streamRemoved(&state, &effects)
  }

  private func receiveReset(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard let record = try self.record(for: frame, state) else { return }
    let (status, _) = try FramePayloads.parseStatus(frame.payload)
    state.streams[frame.streamID] = nil
    _ = state.outbound.dropFrames(ofStream: frame.streamID)
    switch self.role {
    case .server:
      self.abort(
        record,
        error: RPCError(
          code: .cancelled,
          message: "the client cancelled the call: \(status.message)"
        ),
        &effects
      )
      self.streamRemoved(&state, &effects)
    case .client:
      if case .client(let continuation) = record.sink {
        continuation.yield(.status(status, [:]))
        continuation.finish()
      }
      let waiter = record.creditWaiter
      effects.append { waiter?.continuation.resume() }
      self.streamRemoved(&state, &effects)
    }
  }

  private func receiveWindowUpdate(
    _ frame: Frame,
    _ state: inout State,
    _ effects: inout Effects
  ) throws(ProtocolViolation) {
    guard var record = try self.record(for: frame, state) else { return }
    let increment = try FramePayloads.parseWindowUpdate(frame.payload)
    record.sendWindow += Int(increment)
    guard record.sendWindow <= Int(Int32.max) else {
      throw ProtocolViolation(.flowControlError, "window of stream \(frame.streamID) overflowed")
    }
    if record.sendWindow > 0, let waiter = record.creditWaiter {
      record.creditWaiter = nil
      effects.append { waiter.continuation.resume() }
    }
    state.streams[frame.streamID] = record
  }

  /// The record a stream frame is for; nil for a stream that already closed (frames can cross a
  /// close on the wire and are ignored); a violation for a stream that was never opened.
  private func record(for frame: Frame, _ state: State) throws(ProtocolViolation) -> StreamRecord? {
    let id = frame.streamID
    if let record = state.streams[id] { return record }
    let opened: Bool
    switch self.role {
    case .server: opened = id % 2 == 1 && id <= state.lastPeerStreamID
    case .client: opened = id % 2 == 1 && id < state.nextStreamID
    }
    guard opened else {
      throw ProtocolViolation(
        .protocolError,
        "\(frame.type.map { "\($0)" } ?? "frame") for stream \(id), which was never opened"
      )
    }
    return nil
  }
}

import GRPCCore
import NIOCore

extension Connection {
  // MARK: Messages and flow control

  /// Queues one message on a stream, cut into MESSAGE chunks, once the stream has credit.
  ///
  /// A message may start while the stream's window is positive and is charged whole, so the
  /// window may go negative; the next message then waits for the peer's WINDOW_UPDATE. A stream
  /// that closed meanwhile drops the message: the call's outcome is already decided.
  func sendMessage(_ message: ERPTransport.Bytes, onStream id: UInt32) async throws {
    let size = message.count
    let peerLimit = self.state.withLockedValue { Int($0.peerSettings.maxMessageSize) }
    guard size <= min(peerLimit, self.limits.maxMessageSize) else {
      throw RPCError(
        code: .resourceExhausted,
        message:
          "message of \(size) bytes exceeds the limit of \(min(peerLimit, self.limits.maxMessageSize)) bytes"
      )
    }
    let waiterID = self.state.withLockedValue { state -> UInt64 in
      state.nextWaiterID += 1
      return state.nextWaiterID
    }
    while true {
      enum Outcome { case queued(Effects), wait, dropped }
      let outcome = self.state.withLockedValue { state -> Outcome in
        guard var record = state.streams[id] else { return .dropped }
        guard record.sendWindow > 0 else { return .wait }
        record.sendWindow -= size
        state.streams[id] = record
        var effects = Effects()
        self.queueChunks(of: message.buffer, streamID: id, &state)
        self.scheduleDrain(&state, &effects)
        return .queued(effects)
      }
      switch outcome {
      case .queued(let effects):
        effects.run()
        return
      case .dropped:
        return
      case .wait:
        try await self.waitForCredit(streamID: id, waiterID: waiterID)
      }
    }
  }

  private func queueChunks(of message: ByteBuffer, streamID: UInt32, _ state: inout State) {
    let chunkSize = max(1024, min(Int(state.peerSettings.maxFrameSize), self.limits.maxFrameSize))
    var remaining = message
    repeat {
      let chunk = remaining.readSlice(length: min(chunkSize, remaining.readableBytes))!
      let last = remaining.readableBytes == 0
      state.outbound.append(
        Frame(
          type: .message,
          flags: last ? FrameFlags.endMessage : 0,
          streamID: streamID,
          payload: chunk
        )
      )
    } while remaining.readableBytes > 0
  }

  private func waitForCredit(streamID id: UInt32, waiterID: UInt64) async throws {
    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Void, any Error>) in
        let resumeNow = self.state.withLockedValue { state -> Bool in
          guard var record = state.streams[id], record.sendWindow <= 0 else { return true }
          record.creditWaiter = (waiterID, continuation)
          state.streams[id] = record
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
        guard var record = state.streams[id], let waiter = record.creditWaiter,
          waiter.id == waiterID
        else { return nil }
        record.creditWaiter = nil
        state.streams[id] = record
        return waiter.continuation
      }
      waiter?.resume(throwing: CancellationError())
    }
  }

  /// The application took a message of `bytes` bytes from a stream: return credit to the peer
  /// once half a window has been consumed, so updates stay few but the sender never stalls.
  func consumed(_ bytes: Int, onStream id: UInt32) {
    guard bytes > 0 else { return }
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard var record = state.streams[id] else { return effects }
      record.consumedNotCredited += bytes
      if record.consumedNotCredited >= max(1, self.limits.initialWindowSize / 2) {
        let increment = record.consumedNotCredited
        record.consumedNotCredited = 0
        record.receiveWindow += increment
        state.outbound.appendControl(
          Frame(
            type: .windowUpdate,
            streamID: id,
            payload: FramePayloads.windowUpdate(UInt32(clamping: increment))
          )
        )
        self.scheduleDrain(&state, &effects)
      }
      state.streams[id] = record
      return effects
    }
    effects.run()
  }

  // MARK: Stream bookkeeping

  /// A stream left the table: track idleness, and finish draining when it was the last one.
  func streamRemoved(_ state: inout State, _ effects: inout Effects) {
    guard state.streams.isEmpty else { return }
    state.idleSince = .now()
    if self.role == .server, state.draining, state.drainAcknowledged {
      state.closeWhenFlushed = true
      self.scheduleDrain(&state, &effects)
    }
  }

  /// Queues a frame on a stream's own queue (keeping its order after the stream's messages).
  /// A frame for a stream that has ended is dropped: after a call is reset or finished, GRPCCore
  /// may still write (a half-close from its request task), and that frame could otherwise reach
  /// the peer for a stream it never saw opened.
  func queue(_ frame: Frame) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard !state.closed, state.streams[frame.streamID] != nil else { return effects }
      state.outbound.append(frame)
      self.scheduleDrain(&state, &effects)
      return effects
    }
    effects.run()
  }

  // MARK: Keepalive, idleness, draining

  /// Sends a PING unless one is unanswered; returns false when the previous one was never
  /// answered (the peer is gone and the connection should be closed).
  func keepalivePing() -> Bool {
    let (alive, effects) = self.state.withLockedValue { state -> (Bool, Effects) in
      var effects = Effects()
      guard !state.closed else { return (true, effects) }
      if state.pingOutstanding { return (false, effects) }
      state.pingOutstanding = true
      var payload = ByteBuffer()
      payload.writeInteger(UInt64(NIODeadline.now().uptimeNanoseconds))
      state.outbound.appendControl(Frame(type: .ping, streamID: 0, payload: payload))
      self.scheduleDrain(&state, &effects)
      return (true, effects)
    }
    effects.run()
    return alive
  }

  /// The PING payload that closes the first phase of a drain.
  static let drainPingPayload: [UInt8] = Array("DRAINING".utf8)

  /// Begins a graceful drain in two phases, as HTTP/2 servers do, so that no call is refused
  /// because it crossed the GOAWAY on the wire. First: GOAWAY with last stream id 2^31-1 ("stop
  /// opening streams; I will still process what you sent") and a PING. When the PING comes back,
  /// every stream the client opened before it saw the GOAWAY has arrived (TCP keeps order): a
  /// second GOAWAY names the real last stream, later streams are refused, and the connection
  /// closes once its streams finish. A client that never answers is treated as having answered
  /// after `acknowledgementTimeout`.
  func beginDraining(
    reason: String,
    acknowledgementTimeout: TimeAmount = .seconds(5)
  ) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard !state.draining, !state.closed, !state.failed else { return effects }
      state.draining = true
      state.outbound.appendControl(
        .goAway(lastStreamID: UInt32(Int32.max), code: .noError, reason: reason)
      )
      state.outbound.appendControl(
        Frame(type: .ping, streamID: 0, payload: ByteBuffer(bytes: Self.drainPingPayload))
      )
      self.scheduleDrain(&state, &effects)
      effects.append {
        self.channel.eventLoop.scheduleTask(in: acknowledgementTimeout) {
          let effects = self.state.withLockedValue { state -> Effects in
            var effects = Effects()
            if !state.drainAcknowledged { self.drainAcknowledged(&state, &effects) }
            return effects
          }
          effects.run()
        }
      }
      return effects
    }
    effects.run()
  }

  /// The second phase of a drain (see ``beginDraining(reason:acknowledgementTimeout:)``).
  func drainAcknowledged(_ state: inout State, _ effects: inout Effects) {
    guard !state.closed else { return }
    state.drainAcknowledged = true
    state.outbound.appendControl(
      .goAway(
        lastStreamID: state.lastPeerStreamID,
        code: .noError,
        reason: "draining: no stream after \(state.lastPeerStreamID) will be processed"
      )
    )
    if state.streams.isEmpty { state.closeWhenFlushed = true }
    self.scheduleDrain(&state, &effects)
  }

  /// True when no stream has been open for at least `timeout` since the handshake.
  func isIdle(for timeout: TimeAmount) -> Bool {
    self.state.withLockedValue { state in
      guard state.gotPeerSettings, let since = state.idleSince else { return false }
      return NIODeadline.now() - since >= timeout
    }
  }

  /// Cancels every server handler still running (the grace period is over).
  func cancelAllStreams(reason: String) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      for (id, record) in state.streams {
        self.failStream(id, record, code: .unavailable, message: reason, &state, &effects)
      }
      state.streams.removeAll()
      state.closeWhenFlushed = true
      self.scheduleDrain(&state, &effects)
      return effects
    }
    effects.run()
  }
}

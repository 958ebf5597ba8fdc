import GRPCCore
import NIOCore

/// Keepalive, idleness and graceful draining of a connection.
extension Connection {
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

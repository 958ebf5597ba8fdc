import GRPCCore
import NIOCore

extension Connection {
  /// Thrown before a call used a connection that is closing: the call moves to another one.
  struct ConnectionUnusable: Error {}

  /// Waits for one of the server's concurrent-stream slots, so a burst of calls queues on the
  /// client instead of being refused by the server.
  func acquireSlot() async throws {
    enum Outcome { case acquired, wait(UInt64), refused(any Error) }
    let outcome = self.state.withLockedValue { state -> Outcome in
      if state.closed || state.draining || state.failed {
        return .refused(ConnectionUnusable())
      }
      if state.slotsInUse < Int(state.peerSettings.maxConcurrentStreams) {
        state.slotsInUse += 1
        state.slotsAwaitingOpen += 1
        return .acquired
      }
      state.nextWaiterID += 1
      return .wait(state.nextWaiterID)
    }
    switch outcome {
    case .acquired: return
    case .refused(let error): throw error
    case .wait(let waiterID):
      try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation {
          (continuation: CheckedContinuation<Void, any Error>) in
          let immediate = self.state.withLockedValue { state -> (any Error)?? in
            if state.closed || state.draining {
              return .some(ConnectionUnusable())
            }
            if state.slotsInUse < Int(state.peerSettings.maxConcurrentStreams) {
              state.slotsInUse += 1
              state.slotsAwaitingOpen += 1
              return .some(nil)
            }
            state.slotWaiters.append((waiterID, continuation))
            return nil
          }
          switch immediate {
          case .some(.some(let error)): continuation.resume(throwing: error)
          case .some(.none): continuation.resume()
          case .none: break
          }
        }
      } onCancel: {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, any Error>? in
          guard let index = state.slotWaiters.firstIndex(where: { $0.id == waiterID }) else {
            return nil
          }
          return state.slotWaiters.remove(at: index).continuation
        }
        waiter?.resume(throwing: CancellationError())
      }
    }
  }

  /// Opens a stream: takes the next id and queues HEADERS in the same critical section, so ids
  /// reach the server in increasing order.
  func openStream(
    path: String,
    metadata: Metadata,
    sink: InboundQueue<RPCResponsePart<ERPTransport.Bytes>>
  ) throws -> UInt32 {
    let payload = FramePayloads.requestHeaders(path: path, metadata: metadata)
    let (result, effects) = self.state.withLockedValue {
      state -> (Result<UInt32, RPCError>, Effects) in
      var effects = Effects()
      state.slotsAwaitingOpen -= 1
      defer { self.answerDeferredPing(&state, &effects) }
      // A draining server still processes streams up to the id its GOAWAY names (all of them
      // during the first phase of a drain).
      guard !state.closed, !state.failed, state.nextStreamID <= (state.goAwayLastStreamID ?? .max)
      else {
        return (
          .failure(RPCError(code: .unavailable, message: "connection is closing; retry the call")),
          effects
        )
      }
      guard payload.readableBytes <= Int(state.peerSettings.maxMetadataSize) else {
        return (
          .failure(
            RPCError(
              code: .resourceExhausted,
              message:
                "request metadata of \(payload.readableBytes) bytes exceeds the server's limit of \(state.peerSettings.maxMetadataSize)"
            )
          ), effects
        )
      }
      let id = state.nextStreamID
      state.nextStreamID += 2
      state.streams[id] = StreamRecord(
        sink: .client(sink),
        sendWindow: Int(state.peerSettings.initialWindowSize),
        receiveWindow: self.limits.initialWindowSize
      )
      state.idleSince = nil
      state.outbound.append(Frame(type: .headers, streamID: id, payload: payload))
      self.scheduleDrain(&state, &effects)
      return (.success(id), effects)
    }
    effects.run()
    return try result.get()
  }

  /// The client sent its last message.
  func halfClose(stream id: UInt32) {
    self.queue(Frame(type: .halfClose, streamID: id, payload: ByteBuffer()))
  }

  /// The call is over on the client: reset the stream if the server has not finished it, and
  /// give its slot to the next waiting call.
  func endClientStream(_ id: UInt32?, reason: String) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      if let id, let record = state.streams.removeValue(forKey: id) {
        let peerKnowsStream = !state.outbound.dropFrames(ofStream: id)
        if peerKnowsStream {
          state.outbound.appendControl(
            Frame(
              type: .rstStream,
              streamID: id,
              payload: FramePayloads.status(
                Status(code: .cancelled, message: reason),
                limit: Self.resetMessageLimit
              )
            )
          )
        }
        record.sink.finish()
        if let waiter = record.creditWaiter {
          effects.append { waiter.continuation.resume() }
        }
        self.streamRemoved(&state, &effects)
        self.scheduleDrain(&state, &effects)
      }
      state.slotsInUse -= 1
      if id == nil {
        state.slotsAwaitingOpen -= 1
        self.answerDeferredPing(&state, &effects)
      }
      if let waiter = state.slotWaiters.popFirst() {
        state.slotsInUse += 1
        state.slotsAwaitingOpen += 1
        effects.append { waiter.continuation.resume() }
      }
      if state.draining, state.slotsInUse == 0 {
        state.closeWhenFlushed = true
        self.scheduleDrain(&state, &effects)
      }
      return effects
    }
    effects.run()
  }

  /// Answers a PING held back while draining, once no call holding a slot is still to queue its
  /// HEADERS. The answer is queued in stream order (on the round-robin, not ahead of it), so it
  /// leaves after those HEADERS.
  func answerDeferredPing(_ state: inout State, _ effects: inout Effects) {
    guard state.slotsAwaitingOpen == 0, let payload = state.deferredPingAnswer else { return }
    state.deferredPingAnswer = nil
    state.outbound.append(Frame(type: .ping, flags: FrameFlags.ack, streamID: 0, payload: payload))
    self.scheduleDrain(&state, &effects)
  }
}

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
}

import GRPCCore
import NIOCore

extension Connection {
  static let deadlineExceededMessage = "deadline exceeded: the call's grpc-timeout passed"

  /// The handler's task started: cancellation from now on reaches it through `handle`. A stream
  /// that already ended (reset, connection lost) cancels the handler at once.
  func attach(_ handle: ServerContext.RPCCancellationHandle, toStream id: UInt32) {
    if !self.update(stream: id, { $0.cancellation = handle }) { handle.cancel() }
  }

  /// The handler's task exists: ending the stream abruptly cancels it too. A stream that already
  /// ended has nothing left for the task to answer, so it is cancelled at once.
  func attach(_ task: Task<Void, Never>, toStream id: UInt32) {
    if !self.update(stream: id, { $0.handlerTask = task }) { task.cancel() }
  }

  /// Changes an open stream's record; false when the stream has already ended.
  private func update(stream id: UInt32, _ change: (inout StreamRecord) -> Void) -> Bool {
    self.state.withLockedValue { state -> Bool in
      guard var record = state.streams[id] else { return false }
      change(&record)
      state.streams[id] = record
      return true
    }
  }

  /// The call's deadline passed while it was still open: the server ends it by itself, whatever
  /// the client does (wire spec §2.1): TRAILERS DEADLINE_EXCEEDED, and the handler is cancelled.
  func deadlinePassed(onStream id: UInt32) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard let record = state.streams.removeValue(forKey: id) else { return effects }
      self.failStream(
        id,
        record,
        code: .deadlineExceeded,
        message: Self.deadlineExceededMessage,
        &state,
        &effects
      )
      return effects
    }
    effects.run()
  }

  /// Writes one response part from a server handler.
  func sendResponse(_ part: RPCResponsePart<ERPTransport.Bytes>, onStream id: UInt32) async throws {
    switch part {
    case .metadata(let metadata):
      let payload = FramePayloads.responseHeaders(metadata: metadata)
      let limit = self.state.withLockedValue { Int($0.peerSettings.maxMetadataSize) }
      guard payload.readableBytes <= limit else {
        // The client would have to fail the stream anyway; say why instead.
        let message =
          "response metadata of \(payload.readableBytes) bytes exceeds the client's limit of \(limit)"
        self.endServerStream(id, status: Status(code: .internalError, message: message))
        throw RPCError(code: .internalError, message: message)
      }
      self.queue(Frame(type: .headers, streamID: id, payload: payload))
    case .message(let message):
      try await self.sendMessage(message, onStream: id)
    case .status(let status, let metadata):
      self.endServerStream(id, status: status, metadata: metadata)
    }
  }

  /// Ends a server stream with TRAILERS (unless it already ended) and frees its slot. The
  /// trailers fit the client's metadata limit (the message is cut if need be), and a call whose
  /// deadline has passed ends DEADLINE_EXCEEDED whatever error the handler gave (typically the
  /// cancellation the deadline caused).
  func endServerStream(_ id: UInt32, status: Status, metadata: Metadata = [:]) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard let record = state.streams.removeValue(forKey: id) else { return effects }
      var status = status
      if status.code != .ok, let deadline = record.deadline, NIODeadline.now() >= deadline {
        status = Status(code: .deadlineExceeded, message: Self.deadlineExceededMessage)
      }
      state.outbound.append(
        Frame(
          type: .trailers,
          streamID: id,
          payload: FramePayloads.status(
            status,
            metadata: metadata,
            limit: Int(state.peerSettings.maxMetadataSize)
          )
        )
      )
      // Anything the client still sends on this stream is ignored; its reader ends here.
      record.sink.finish()
      if let waiter = record.creditWaiter {
        effects.append { waiter.continuation.resume() }
      }
      self.streamRemoved(&state, &effects)
      self.scheduleDrain(&state, &effects)
      return effects
    }
    effects.run()
  }
}

import GRPCCore
import NIOCore

extension Connection {
  /// The handler's task started: cancellation from now on reaches it through `handle`. A stream
  /// that already ended (reset, connection lost) cancels the handler at once.
  func attach(_ handle: ServerContext.RPCCancellationHandle, toStream id: UInt32) {
    let cancelNow = self.state.withLockedValue { state -> Bool in
      guard var record = state.streams[id] else { return true }
      record.cancellation = handle
      state.streams[id] = record
      return false
    }
    if cancelNow { handle.cancel() }
  }

  /// Writes one response part from a server handler.
  func sendResponse(_ part: RPCResponsePart<ERPTransport.Bytes>, onStream id: UInt32) async throws {
    switch part {
    case .metadata(let metadata):
      self.queue(
        Frame(
          type: .headers,
          streamID: id,
          payload: FramePayloads.responseHeaders(metadata: metadata)
        )
      )
    case .message(let message):
      try await self.sendMessage(message, onStream: id)
    case .status(let status, let metadata):
      self.endServerStream(id, status: status, metadata: metadata)
    }
  }

  /// Ends a server stream with TRAILERS (unless it already ended) and frees its slot.
  func endServerStream(_ id: UInt32, status: Status, metadata: Metadata = [:]) {
    let effects = self.state.withLockedValue { state -> Effects in
      var effects = Effects()
      guard let record = state.streams.removeValue(forKey: id) else { return effects }
      state.outbound.append(
        Frame(
          type: .trailers,
          streamID: id,
          payload: FramePayloads.status(status, metadata: metadata)
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

import GRPCCore
import NIOCore

/// The server's side of the driver: what handlers and the server's timers do to a connection.
extension Connection where Machine == ServerConnectionStateMachine<ServerStreamContext> {
  /// The handler's task started: cancellation from now on reaches it through `handle`. A stream
  /// that already ended (reset, connection lost) cancels the handler at once.
  func attach(_ handle: ServerContext.RPCCancellationHandle, toStream id: UInt32) {
    let attached = self.state.withLockedValue {
      $0.machine.updateContext(ofStream: id) { $0.cancellation = handle }
    }
    if !attached { handle.cancel() }
  }

  /// The handler's task exists: ending the stream abruptly cancels it too. A stream that already
  /// ended has nothing left for the task to answer, so it is cancelled at once.
  func attach(_ task: Task<Void, Never>, toStream id: UInt32) {
    let attached = self.state.withLockedValue {
      $0.machine.updateContext(ofStream: id) { $0.handlerTask = task }
    }
    if !attached { task.cancel() }
  }

  /// The call's deadline passed while it was still open (wire spec §2.1).
  func deadlinePassed(onStream id: UInt32) {
    let now = NIODeadline.now()
    self.withMachine { $0.deadlinePassed(onStream: id, now: now) }
  }

  /// Writes one response part from a server handler.
  func sendResponse(_ part: RPCResponsePart<ERPTransport.Bytes>, onStream id: UInt32) async throws {
    switch part {
    case .metadata(let metadata):
      let now = NIODeadline.now()
      let error = self.withMachine { machine -> (RPCError?, [Action]) in
        let (actions, error) = machine.sendHeaders(metadata, onStream: id, now: now)
        return (error, actions)
      }
      if let error { throw error }
    case .message(let message):
      try await self.sendMessage(message, onStream: id)
    case .status(let status, let metadata):
      self.endServerStream(id, status: status, metadata: metadata)
    }
  }

  /// Ends a server stream with TRAILERS (unless it already ended) and frees its slot.
  func endServerStream(_ id: UInt32, status: Status, metadata: Metadata = [:]) {
    let now = NIODeadline.now()
    self.withMachine { $0.endStream(id, status: status, metadata: metadata, now: now) }
  }

  /// Begins a graceful two-phase drain (see ``ServerConnectionStateMachine/beginDraining``).
  func beginDraining(reason: String) {
    self.withMachine { $0.beginDraining(reason: reason) }
  }

  /// The idle timer fired. True when it began a drain.
  @discardableResult
  func idleTimerFired(timeout: TimeAmount) -> Bool {
    let now = NIODeadline.now()
    return self.withMachine { machine -> (Bool, [Action]) in
      let actions = machine.idleTimerFired(timeout: timeout, now: now)
      return (!actions.isEmpty, actions)
    }
  }

  /// The handshake timer fired.
  func handshakeTimerFired() {
    self.withMachine { $0.handshakeTimerFired() }
  }

  /// Cancels every server handler still running (the grace period is over).
  func cancelAllStreams(reason: String) {
    let now = NIODeadline.now()
    self.withMachine { $0.cancelAllStreams(reason: reason, now: now) }
  }
}

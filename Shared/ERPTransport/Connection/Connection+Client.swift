import GRPCCore
import NIOCore

/// The client's side of the driver: what calls and the keepalive timer do to a connection.
extension Connection where Machine == ClientConnectionStateMachine<ClientStreamContext> {
  /// Waits for one of the server's concurrent-stream slots, so a burst of calls queues on the
  /// client instead of being refused by the server.
  func acquireSlot() async throws {
    let outcome = self.state.withLockedValue { $0.machine.acquireSlot() }
    switch outcome {
    case .acquired: return
    case .refused: throw ConnectionUnusable()
    case .full, .queued:
      let waiter = self.makeWaiterID()
      try await self.suspend(
        as: waiter,
        register: { machine in
          switch machine.enqueueSlotWaiter(waiter) {
          case .acquired: .some(nil)
          case .queued, .full: nil
          case .refused: .some(ConnectionUnusable())
          }
        },
        cancel: { machine in machine.cancelSlotWaiter(waiter) }
      )
    }
  }

  /// Opens a stream: takes the next id and queues HEADERS in the same step.
  func openStream(
    path: String,
    metadata: Metadata,
    sink: InboundQueue<RPCResponsePart<ERPTransport.Bytes>>
  ) throws -> UInt32 {
    let payload = FramePayloads.requestHeaders(path: path, metadata: metadata)
    let now = NIODeadline.now()
    let result = self.withMachine { machine in
      machine.openStream(headers: payload, context: ClientStreamContext(sink: sink), now: now)
    }
    return try result.get()
  }

  /// The client sent its last message.
  func halfClose(stream id: UInt32) {
    self.withMachine { $0.halfClose(stream: id) }
  }

  /// The call is over on the client: reset the stream if the server has not finished it, and
  /// give its slot to the next waiting call.
  func endClientStream(_ id: UInt32?, reason: String) {
    let now = NIODeadline.now()
    self.withMachine { $0.endStream(id, reason: reason, now: now) }
  }

  /// The keepalive timer fired: PING, or close when the last one went unanswered.
  func keepaliveTimerFired() {
    let now = NIODeadline.now()
    self.withMachine { $0.keepaliveTimerFired(now: now) }
  }
}

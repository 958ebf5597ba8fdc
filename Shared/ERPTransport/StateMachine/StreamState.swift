import NIOCore

/// One open stream's flow-control credit, both ways.
struct StreamFlow: Sendable, Equatable {
  /// Credit left for starting messages to the peer (may go negative: a message is charged whole).
  var sendWindow: Int
  /// Credit the peer has left for starting messages to us; a message started at or below zero
  /// breaks flow control.
  var receiveWindow: Int
  /// Bytes of messages the application consumed that are not yet returned as credit.
  var consumedNotCredited = 0
  /// The writer waiting for credit, if any (one writer per stream, as GRPCCore guarantees).
  var creditWaiter: UInt64?
}

/// What the peer may still send on an open stream. A stream that ended is not represented: it
/// leaves the connection's table, and frames that cross its end on the wire are ignored.
enum StreamState: Sendable, Equatable {
  /// The peer may send messages; `assembling` is the message being reassembled from chunks.
  case open(StreamFlow, assembling: ByteBuffer?)
  /// The peer finished sending (a client's HALF_CLOSE); our side may still send.
  case remoteClosed(StreamFlow)

  init(sendWindow: Int, receiveWindow: Int) {
    self = .open(StreamFlow(sendWindow: sendWindow, receiveWindow: receiveWindow), assembling: nil)
  }

  var flow: StreamFlow {
    get {
      switch self {
      case .open(let flow, _), .remoteClosed(let flow): flow
      }
    }
    set {
      switch self {
      case .open(_, let assembling): self = .open(newValue, assembling: assembling)
      case .remoteClosed: self = .remoteClosed(newValue)
      }
    }
  }

  /// The result of one MESSAGE chunk.
  enum ChunkOutcome: Equatable {
    /// More chunks of the message are to come.
    case partial
    /// The message is whole.
    case message(ByteBuffer)
    /// The message grew past the limit (`size` bytes so far): the stream fails alone.
    case tooLarge(size: Int)
  }

  /// A MESSAGE chunk from the peer.
  mutating func receiveChunk(
    _ payload: ByteBuffer,
    endsMessage: Bool,
    streamID id: UInt32,
    limits: ERPTransport.Limits
  ) throws(ProtocolViolation) -> ChunkOutcome {
    guard case .open(var flow, let assembling) = self else {
      throw ProtocolViolation(.protocolError, "MESSAGE on stream \(id) after it was half-closed")
    }
    guard payload.readableBytes <= limits.maxFrameSize else {
      throw ProtocolViolation(
        .frameSizeError,
        "MESSAGE of \(payload.readableBytes) bytes exceeds max frame size \(limits.maxFrameSize)"
      )
    }
    var message: ByteBuffer
    if var assembling {
      // Drop the enum's reference first, so appending does not copy the buffer.
      self = .open(flow, assembling: nil)
      var chunk = payload
      assembling.writeBuffer(&chunk)
      message = assembling
    } else {
      guard flow.receiveWindow > 0 else {
        throw ProtocolViolation(
          .flowControlError,
          "stream \(id) started a message without flow-control credit"
        )
      }
      message = payload
    }
    let size = message.readableBytes
    if size > limits.maxMessageSize { return .tooLarge(size: size) }
    guard endsMessage else {
      self = .open(flow, assembling: message)
      return .partial
    }
    flow.receiveWindow -= size
    self = .open(flow, assembling: nil)
    return .message(message)
  }

  /// The peer's HALF_CLOSE: it sends no more messages.
  mutating func receiveHalfClose(streamID id: UInt32) throws(ProtocolViolation) {
    switch self {
    case .open(let flow, nil):
      self = .remoteClosed(flow)
    case .open(_, .some):
      throw ProtocolViolation(
        .protocolError,
        "HALF_CLOSE on stream \(id) in the middle of a message"
      )
    case .remoteClosed:
      // Already half-closed: nothing changes (the peer's repeat is harmless).
      break
    }
  }

  /// The peer's WINDOW_UPDATE. Returns the credit waiter to resume, if the window opened.
  mutating func receiveWindowUpdate(
    _ increment: UInt32,
    streamID id: UInt32
  ) throws(ProtocolViolation) -> UInt64? {
    var flow = self.flow
    flow.sendWindow += Int(increment)
    guard flow.sendWindow <= Int(Int32.max) else {
      throw ProtocolViolation(.flowControlError, "window of stream \(id) overflowed")
    }
    var resumed: UInt64?
    if flow.sendWindow > 0, let waiter = flow.creditWaiter {
      flow.creditWaiter = nil
      resumed = waiter
    }
    self.flow = flow
    return resumed
  }

  /// The application took `bytes` of messages. Returns the credit to send back, once half a
  /// window has been consumed, so updates stay few but the sender never stalls.
  mutating func consumed(_ bytes: Int, initialWindow: Int) -> UInt32? {
    var flow = self.flow
    flow.consumedNotCredited += bytes
    var increment: UInt32?
    if flow.consumedNotCredited >= max(1, initialWindow / 2) {
      flow.receiveWindow += flow.consumedNotCredited
      increment = UInt32(clamping: flow.consumedNotCredited)
      flow.consumedNotCredited = 0
    }
    self.flow = flow
    return increment
  }

  /// Charges a whole message of `size` bytes to the send window; false when there is no credit
  /// (the writer must wait for a WINDOW_UPDATE).
  mutating func chargeSend(_ size: Int) -> Bool {
    guard self.flow.sendWindow > 0 else { return false }
    self.flow.sendWindow -= size
    return true
  }
}

import GRPCCore
import NIOCore

/// The driver's handle on one stream: where the state machines' deliveries go.
protocol StreamContext: Sendable {
  /// The context of a stream the peer opened; taking a message reports its size to `consumed`.
  static func accepted(stream id: UInt32, consumed: @escaping @Sendable (Int) -> Void) -> Self
  func deliver(message: ByteBuffer)
  func deliver(metadata: Metadata)
  func deliver(status: Status, metadata: Metadata)
  /// The reader ends cleanly after what it has.
  func finish()
  /// The stream ends abruptly: the reader fails and a server handler is cancelled.
  func abort(_ error: RPCError)
}

/// A server stream: the request parts for GRPCCore, and the handler to cancel.
struct ServerStreamContext: StreamContext {
  let inbound: InboundQueue<RPCRequestPart<ERPTransport.Bytes>>
  /// The handler's cancellation handle, attached once its task starts.
  var cancellation: ServerContext.RPCCancellationHandle?
  /// The handler's task, cancelled with the stream so that work which does not watch the RPC
  /// handle (a sleep, a query) stops too.
  var handlerTask: Task<Void, Never>?

  static func accepted(stream id: UInt32, consumed: @escaping @Sendable (Int) -> Void) -> Self {
    let inbound = InboundQueue<RPCRequestPart<ERPTransport.Bytes>>(
      size: { part in
        if case .message(let bytes) = part { return bytes.count }
        return 0
      },
      consumed: consumed
    )
    return ServerStreamContext(inbound: inbound)
  }

  func deliver(message: ByteBuffer) { self.inbound.yield(.message(ERPTransport.Bytes(message))) }
  func deliver(metadata: Metadata) { self.inbound.yield(.metadata(metadata)) }
  func deliver(status: Status, metadata: Metadata) {}
  func finish() { self.inbound.finish() }

  func abort(_ error: RPCError) {
    self.cancellation?.cancel()
    self.handlerTask?.cancel()
    self.inbound.finish(throwing: error)
  }
}

/// A client call's stream: the response parts for GRPCCore.
struct ClientStreamContext: StreamContext {
  let sink: InboundQueue<RPCResponsePart<ERPTransport.Bytes>>

  /// Servers open no streams to clients (the client machine never asks).
  static func accepted(stream id: UInt32, consumed: @escaping @Sendable (Int) -> Void) -> Self {
    preconditionFailure("a server opened stream \(id) on a client connection")
  }

  func deliver(message: ByteBuffer) { self.sink.yield(.message(ERPTransport.Bytes(message))) }
  func deliver(metadata: Metadata) { self.sink.yield(.metadata(metadata)) }

  func deliver(status: Status, metadata: Metadata) {
    self.sink.yield(.status(status, metadata))
    self.sink.finish()
  }

  func finish() { self.sink.finish() }
  func abort(_ error: RPCError) { self.sink.finish(throwing: error) }
}

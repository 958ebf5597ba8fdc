import GRPCCore
import NIOCore

/// Where a stream's inbound parts go: to a server handler or to a client call.
enum InboundSink: Sendable {
  case server(InboundQueue<RPCRequestPart<ERPTransport.Bytes>>)
  case client(InboundQueue<RPCResponsePart<ERPTransport.Bytes>>)

  func finish(throwing error: (any Error)? = nil) {
    switch self {
    case .server(let queue): queue.finish(throwing: error)
    case .client(let queue): queue.finish(throwing: error)
    }
  }
}

/// One open stream's state inside a ``Connection``.
struct StreamRecord {
  var sink: InboundSink
  /// Server only: the handler's cancellation handle, attached once its task starts.
  var cancellation: ServerContext.RPCCancellationHandle?
  /// Server only: the handler's task, cancelled with the stream so that work which does not watch
  /// the RPC handle (a sleep, a query) stops too.
  var handlerTask: Task<Void, Never>?
  /// Server only: when the call's `grpc-timeout` runs out.
  var deadline: NIODeadline?

  /// Credit left for starting messages to the peer (may go negative: a message is charged whole).
  var sendWindow: Int
  /// The writer waiting for credit, if any (one writer per stream, as GRPCCore guarantees).
  var creditWaiter: (id: UInt64, continuation: CheckedContinuation<Void, any Error>)?

  /// Credit the peer has left for starting messages to us; a message started at or below zero
  /// breaks flow control.
  var receiveWindow: Int
  /// Bytes of messages the application consumed that are not yet returned as credit.
  var consumedNotCredited = 0
  /// The message being reassembled from MESSAGE chunks.
  var partial: ByteBuffer?

  /// The peer finished sending (HALF_CLOSE from a client, TRAILERS from a server).
  var remoteClosed = false

  init(sink: InboundSink, sendWindow: Int, receiveWindow: Int) {
    self.sink = sink
    self.sendWindow = sendWindow
    self.receiveWindow = receiveWindow
  }
}

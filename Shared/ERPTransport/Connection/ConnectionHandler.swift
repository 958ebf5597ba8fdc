import NIOCore

/// Feeds decoded frames from the socket into a ``Connection`` and reports socket events to it.
/// Nothing else: every decision is the connection's state machine's.
///
/// Not generic on purpose. NIO calls a handler through its protocol witnesses, and the witness of
/// a generic handler runs unspecialized: every frame then went through the machines with runtime
/// generic metadata (a dictionary of generic streams, value witnesses for each context copy). The
/// frame path's share of the process's CPU grew from 11 % to 18 % (perf), on the event loop, which
/// is the bottleneck at concurrency 64. So the connection's entry points are bound here as
/// closures made in the generic initializer: called with a concrete connection type (the server's
/// and client's bootstraps), the initializer is specialized, and so is everything they call.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = FrameDecoder.Item

  private let start: () -> Void
  private let receive: (Frame, Int?) -> Void
  private let fail: (ProtocolViolation) -> Void
  private let resumeWriting: () -> Void
  private let closed: () -> Void

  init<Machine: ConnectionStateMachine>(connection: Connection<Machine>) {
    self.start = { connection.start() }
    self.receive = { frame, oversized in connection.receive(frame, oversized: oversized) }
    self.fail = { violation in connection.fail(violation) }
    self.resumeWriting = { connection.resumeWriting() }
    self.closed = { connection.closed() }
  }

  func channelActive(context: ChannelHandlerContext) {
    self.start()
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch self.unwrapInboundIn(data) {
    case .preface:
      break
    case .frame(let frame):
      self.receive(frame, nil)
    case .oversizedMetadata(let header, let length):
      self.receive(header, length)
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let violation = error as? ProtocolViolation {
      self.fail(violation)
    } else if error is ByteToMessageDecoderError {
      // Bytes that arrive after a decoding error: the connection is already failing.
    } else {
      context.close(promise: nil)
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { self.resumeWriting() }
    context.fireChannelWritabilityChanged()
  }

  func channelInactive(context: ChannelHandlerContext) {
    self.closed()
    context.fireChannelInactive()
  }
}

import NIOCore

/// Feeds decoded frames from the socket into a ``Connection`` and reports socket events to it.
/// Nothing else: every decision is the connection's state machine's.
final class ConnectionHandler<Machine: ConnectionStateMachine>: ChannelInboundHandler,
  RemovableChannelHandler
{
  typealias InboundIn = FrameDecoder.Item

  private let connection: Connection<Machine>

  init(connection: Connection<Machine>) {
    self.connection = connection
  }

  func channelActive(context: ChannelHandlerContext) {
    self.connection.start()
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch self.unwrapInboundIn(data) {
    case .preface:
      break
    case .frame(let frame):
      self.connection.receive(frame)
    case .oversizedMetadata(let header, let length):
      self.connection.receive(header, oversized: length)
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if let violation = error as? ProtocolViolation {
      self.connection.fail(violation)
    } else if error is ByteToMessageDecoderError {
      // Bytes that arrive after a decoding error: the connection is already failing.
    } else {
      context.close(promise: nil)
    }
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { self.connection.resumeWriting() }
    context.fireChannelWritabilityChanged()
  }

  func channelInactive(context: ChannelHandlerContext) {
    self.connection.closed()
    context.fireChannelInactive()
  }
}

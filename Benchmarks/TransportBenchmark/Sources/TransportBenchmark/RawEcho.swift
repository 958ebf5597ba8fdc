import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The machine's limit: a SwiftNIO echo of length-prefixed frames with no gRPC at all. Requests
/// are pipelined on one connection and answered in order.
enum RawEcho {
  /// Server: answers each frame with itself.
  final class EchoHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      var frame = self.unwrapInboundIn(data)
      var out = context.channel.allocator.buffer(capacity: frame.readableBytes + 4)
      out.writeInteger(UInt32(frame.readableBytes))
      out.writeBuffer(&frame)
      context.write(self.wrapOutboundOut(out), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
      context.flush()
    }
  }

  struct LengthPrefixDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    mutating func decode(
      context: ChannelHandlerContext,
      buffer: inout ByteBuffer
    ) throws -> DecodingState {
      guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
        buffer.readableBytes >= 4 + Int(length)
      else { return .needMoreData }
      buffer.moveReaderIndex(forwardBy: 4)
      context.fireChannelRead(NIOAny(buffer.readSlice(length: Int(length))!))
      return .continue
    }
  }

  /// Client: completes the oldest outstanding request with each response.
  final class ClientHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    private let pending = NIOLockedValueBox<[EventLoopPromise<Void>]>([])

    func enqueue(_ promise: EventLoopPromise<Void>) {
      self.pending.withLockedValue { $0.append(promise) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let promise = self.pending.withLockedValue { $0.removeFirst() }
      promise.succeed()
    }
  }

  static func startServer() async throws -> any Channel {
    try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(LengthPrefixDecoder())
          )
          try channel.pipeline.syncOperations.addHandler(EchoHandler())
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
  }

  struct Client: Sendable {
    let channel: any Channel
    let handler: ClientHandler

    static func connect(port: Int) async throws -> Client {
      let handler = ClientHandler()
      let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(
              ByteToMessageHandler(LengthPrefixDecoder())
            )
            try channel.pipeline.syncOperations.addHandler(handler)
          }
        }
        .connect(host: "127.0.0.1", port: port).get()
      return Client(channel: channel, handler: handler)
    }

    func echo(_ payload: [UInt8]) async throws {
      let channel = self.channel
      let handler = self.handler
      let promise = channel.eventLoop.makePromise(of: Void.self)
      channel.eventLoop.execute {
        handler.enqueue(promise)
        var buffer = channel.allocator.buffer(capacity: payload.count + 4)
        buffer.writeInteger(UInt32(payload.count))
        buffer.writeBytes(payload)
        channel.writeAndFlush(buffer, promise: nil)
      }
      try await promise.futureResult.get()
    }
  }
}

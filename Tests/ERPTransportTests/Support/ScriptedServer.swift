import GRPCCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

@testable import ERPTransport

/// A server that answers frame by frame from a script, for playing a broken or hostile server
/// against the real client: it speaks the wire format through the transport's own codec, but
/// decides every answer itself.
final class ScriptedServer: Sendable {
  /// The frames to send back for one frame the client sent on connection number `connection`
  /// (0 for the first connection the server accepted).
  typealias Script = @Sendable (_ connection: Int, _ frame: Frame) -> [Frame]

  private struct Counts {
    var connections = 0
    var headers = 0
    var goAways = 0
  }

  private let counts = NIOLockedValueBox(Counts())
  private let listener = NIOLockedValueBox<(any Channel)?>(nil)

  /// Connections accepted so far.
  var connections: Int { self.counts.withLockedValue { $0.connections } }
  /// HEADERS frames (streams opened) received so far, on every connection.
  var headers: Int { self.counts.withLockedValue { $0.headers } }
  /// GOAWAY frames received from the client so far.
  var goAways: Int { self.counts.withLockedValue { $0.goAways } }

  var target: ERPTransport.Client.Target {
    .init(host: "127.0.0.1", port: self.listener.withLockedValue { $0!.localAddress!.port! })
  }

  static func start(_ script: @escaping Script) async throws -> ScriptedServer {
    let server = ScriptedServer()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      // A client that fails a connection closes its sending side first: keep ours open, so the
      // connection ends only when the client closes it completely.
      .childChannelOption(.allowRemoteHalfClosure, value: true)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let number = server.counts.withLockedValue { counts in
            defer { counts.connections += 1 }
            return counts.connections
          }
          let sync = channel.pipeline.syncOperations
          try sync.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: 1 << 20)))
          try sync.addHandler(ScriptHandler(server: server, connection: number, script: script))
        }
      }
      .bind(host: "127.0.0.1", port: 0)
      .get()
    server.listener.withLockedValue { $0 = channel }
    return server
  }

  func stop() async {
    try? await self.listener.withLockedValue { $0 }?.close()
  }

  fileprivate func saw(_ frame: Frame) {
    self.counts.withLockedValue { counts in
      if frame.type == .headers { counts.headers += 1 }
      if frame.type == .goAway { counts.goAways += 1 }
    }
  }

  /// The answer of a well-behaved server to a unary call once the client half-closed it: empty
  /// initial metadata, `message`, status OK.
  static func answer(_ frame: Frame, with message: [UInt8]) -> [Frame] {
    guard frame.type == .halfClose else { return [] }
    return [
      Frame(
        type: .headers,
        streamID: frame.streamID,
        payload: FramePayloads.responseHeaders(metadata: [:])
      ),
      Frame(
        type: .message,
        flags: FrameFlags.endMessage,
        streamID: frame.streamID,
        payload: ByteBuffer(bytes: message)
      ),
      Frame(
        type: .trailers,
        streamID: frame.streamID,
        payload: FramePayloads.status(Status(code: .ok, message: ""))
      ),
    ]
  }
}

private final class ScriptHandler: ChannelInboundHandler {
  typealias InboundIn = FrameDecoder.Item

  let server: ScriptedServer
  let connection: Int
  let script: ScriptedServer.Script

  init(server: ScriptedServer, connection: Int, script: @escaping ScriptedServer.Script) {
    self.server = server
    self.connection = connection
    self.script = script
  }

  func channelActive(context: ChannelHandlerContext) {
    var buffer = context.channel.allocator.buffer(capacity: 64)
    Preface.write(to: &buffer)
    Frame(type: .settings, streamID: 0, payload: ERPTransport.Limits().settings.encode())
      .write(to: &buffer)
    context.writeAndFlush(NIOAny(buffer), promise: nil)
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard case .frame(let frame) = self.unwrapInboundIn(data) else { return }
    self.server.saw(frame)
    let answers = self.script(self.connection, frame)
    guard !answers.isEmpty else { return }
    var buffer = context.channel.allocator.buffer(capacity: 256)
    for answer in answers { answer.write(to: &buffer) }
    context.writeAndFlush(NIOAny(buffer), promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    context.close(promise: nil)
  }
}

import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A collector that accepts every OTLP/HTTP export and keeps nothing but counts: the far end
/// of the traced run, so the benchmark measures what exporting costs the services, not what a
/// collector does with the spans.
final class OTLPSink: Sendable {
  private let counts: NIOLockedValueBox<(exports: Int, bytes: Int)>
  private let port: Int

  var endpoint: String { "http://127.0.0.1:\(self.port)" }
  var exports: Int { self.counts.withLockedValue { $0.exports } }
  var bytes: Int { self.counts.withLockedValue { $0.bytes } }

  private init(port: Int, counts: NIOLockedValueBox<(exports: Int, bytes: Int)>) {
    self.port = port
    self.counts = counts
  }

  static func run<T: Sendable>(_ body: @Sendable (OTLPSink) async throws -> T) async throws -> T {
    let counts = NIOLockedValueBox((exports: 0, bytes: 0))
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(Handler(counts: counts))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let sink = OTLPSink(port: channel.localAddress?.port ?? 0, counts: counts)
    do {
      let result = try await body(sink)
      try? await channel.close()
      return result
    } catch {
      try? await channel.close()
      throw error
    }
  }

  /// Answers each request 200 with an empty ExportTraceServiceResponse once it has all come.
  private final class Handler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let counts: NIOLockedValueBox<(exports: Int, bytes: Int)>

    init(counts: NIOLockedValueBox<(exports: Int, bytes: Int)>) {
      self.counts = counts
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      switch self.unwrapInboundIn(data) {
      case .head:
        break
      case .body(let part):
        self.counts.withLockedValue { $0.bytes += part.readableBytes }
      case .end:
        self.counts.withLockedValue { $0.exports += 1 }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/x-protobuf")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
      }
    }
  }
}

public import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus
public import ServiceLifecycle

/// The small HTTP/1.1 port operators and orchestrators probe: `/healthz` (the process answers),
/// `/readyz` (the readiness check passes, e.g. the database answers) and `/metrics` (Prometheus
/// text from the registry). Every answer closes its connection: probes are rare and short, and a
/// closed connection is the simplest end-of-response any client understands.
public final class OpsServer: Service, Sendable {
  /// `nil` when ready, otherwise why not (shown in the 503 body).
  public typealias Readiness = @Sendable () async -> String?

  private let host: String
  private let port: Int
  private let registry: PrometheusCollectorRegistry
  private let readiness: Readiness
  private let beforeScrape: @Sendable () -> Void
  private let logger: Logger
  private let bound: NIOLockedValueBox<(any Channel)?> = .init(nil)
  private let boundPort: EventLoopPromise<Int>

  public init(
    host: String,
    port: Int,
    registry: PrometheusCollectorRegistry,
    logger: Logger,
    beforeScrape: @escaping @Sendable () -> Void = {},
    readiness: @escaping Readiness
  ) {
    self.beforeScrape = beforeScrape
    self.host = host
    self.port = port
    self.registry = registry
    self.readiness = readiness
    self.logger = logger
    self.boundPort = MultiThreadedEventLoopGroup.singleton.any().makePromise()
  }

  /// The port it listens on, once it does (useful with port 0).
  public var listeningPort: Int {
    get async throws { try await self.boundPort.futureResult.get() }
  }

  /// Listens until graceful shutdown (or cancellation), then closes the listening socket.
  public func run() async throws {
    let channel: any Channel
    do {
      channel = try await self.bind()
    } catch {
      self.boundPort.fail(error)
      throw error
    }
    self.bound.withLockedValue { $0 = channel }
    self.boundPort.succeed(channel.localAddress?.port ?? self.port)
    self.logger.info(
      "ops HTTP listening",
      metadata: ["address": "\(self.host):\(channel.localAddress?.port ?? 0)"]
    )
    try? await gracefulShutdown()
    try? await channel.close()
  }

  private func bind() async throws -> any Channel {
    let routes = OpsRoutes(
      registry: self.registry,
      beforeScrape: self.beforeScrape,
      readiness: self.readiness
    )
    return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(OpsHTTPHandler(routes: routes))
        }
      }
      .bind(host: self.host, port: self.port)
      .get()
  }
}

/// What each path answers.
struct OpsRoutes: Sendable {
  let registry: PrometheusCollectorRegistry
  let beforeScrape: @Sendable () -> Void
  let readiness: OpsServer.Readiness

  struct Answer: Sendable {
    var status: HTTPResponseStatus
    var contentType = "text/plain; charset=utf-8"
    var body: String
  }

  func answer(method: HTTPMethod, path: String) async -> Answer {
    guard method == .GET || method == .HEAD else {
      return Answer(status: .methodNotAllowed, body: "only GET\n")
    }
    switch path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path {
    case "/healthz":
      return Answer(status: .ok, body: "ok\n")
    case "/readyz":
      if let problem = await self.readiness() {
        return Answer(status: .serviceUnavailable, body: "not ready: \(problem)\n")
      }
      return Answer(status: .ok, body: "ready\n")
    case "/metrics":
      self.beforeScrape()
      var bytes: [UInt8] = []
      self.registry.emit(into: &bytes)
      return Answer(
        status: .ok,
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        body: String(decoding: bytes, as: UTF8.self)
      )
    default:
      return Answer(status: .notFound, body: "no such path; try /healthz, /readyz or /metrics\n")
    }
  }
}

/// One request per connection: reads up to the end of the request head, answers with the whole
/// response in one write, then closes. Probes send no body, so nothing more of HTTP is needed;
/// a head larger than 8 KiB is refused.
final class OpsHTTPHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private let routes: OpsRoutes
  private var received = ByteBuffer()
  private var answered = false

  init(routes: OpsRoutes) {
    self.routes = routes
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !self.answered else { return }
    var chunk = self.unwrapInboundIn(data)
    self.received.writeBuffer(&chunk)
    let text = String(buffer: self.received)
    guard let headEnd = text.range(of: "\r\n\r\n") else {
      if self.received.readableBytes > 8192 {
        self.answered = true
        Self.write(
          .init(status: .payloadTooLarge, body: "request head too large\n"),
          context: context
        )
      }
      return
    }
    self.answered = true
    // "\r\n" is one Character in Swift, so lines are split on the string, not on "\r".
    let firstLine = text[..<headEnd.lowerBound].components(separatedBy: "\r\n")[0]
    let requestLine = firstLine.split(separator: " ")
    guard requestLine.count == 3 else {
      Self.write(.init(status: .badRequest, body: "malformed request line\n"), context: context)
      return
    }
    let method = HTTPMethod(rawValue: String(requestLine[0]))
    let path = String(requestLine[1])
    let routes = self.routes
    let promise = context.eventLoop.makePromise(of: OpsRoutes.Answer.self)
    promise.completeWithTask { await routes.answer(method: method, path: path) }
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    promise.futureResult.whenSuccess { answer in
      Self.write(answer, context: bound.value, omittingBody: method == .HEAD)
    }
  }

  private static func write(
    _ answer: OpsRoutes.Answer,
    context: ChannelHandlerContext,
    omittingBody: Bool = false
  ) {
    let body = Array(answer.body.utf8)
    var response = ByteBuffer()
    response.writeString("HTTP/1.1 \(answer.status.code) \(answer.status.reasonPhrase)\r\n")
    response.writeString("Content-Type: \(answer.contentType)\r\n")
    response.writeString("Content-Length: \(body.count)\r\n")
    response.writeString("Connection: close\r\n\r\n")
    if !omittingBody { response.writeBytes(body) }
    let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
    context.writeAndFlush(NIOAny(response)).whenComplete { _ in
      bound.value.close(promise: nil)
    }
  }
}

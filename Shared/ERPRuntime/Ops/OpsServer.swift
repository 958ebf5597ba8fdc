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
///
/// HTTP is NIOHTTP1's server pipeline. The port is open to whoever reaches it, so it is bounded
/// (``Limits``): a connection that sends nothing for `idleTimeout`, or has not sent a whole
/// request within `requestTimeout`, is closed (half-sent requests do not pile up); a request
/// larger than `maxRequestBytes` is answered 413 and closed; beyond `maxConnections` open at
/// once, new connections are closed at once while the open ones carry on.
public final class OpsServer: Service, Sendable {
  public struct Limits: Sendable {
    public var idleTimeout: Duration = .seconds(5)
    public var requestTimeout: Duration = .seconds(10)
    public var maxRequestBytes = 16 * 1024
    public var maxConnections = 64

    public init() {}
  }

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
  private let limits: Limits
  private let openConnections = NIOLockedValueBox(0)

  public init(
    host: String,
    port: Int,
    registry: PrometheusCollectorRegistry,
    logger: Logger,
    limits: Limits = Limits(),
    beforeScrape: @escaping @Sendable () -> Void = {},
    readiness: @escaping Readiness
  ) {
    self.limits = limits
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
    let limits = self.limits
    let open = self.openConnections
    return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        let admitted = open.withLockedValue { count -> Bool in
          guard count < limits.maxConnections else { return false }
          count += 1
          return true
        }
        guard admitted else { return channel.close() }
        channel.closeFuture.whenComplete { _ in open.withLockedValue { $0 -= 1 } }
        return channel.eventLoop.makeCompletedFuture {
          let pipeline = channel.pipeline.syncOperations
          try pipeline.addHandler(RequestSizeLimit(maximum: limits.maxRequestBytes))
          try pipeline.addHandler(IdleStateHandler(readTimeout: TimeAmount(limits.idleTimeout)))
          try pipeline.configureHTTPServerPipeline(
            withPipeliningAssistance: false,
            withErrorHandling: true
          )
          try pipeline.addHandler(
            OpsHTTPHandler(routes: routes, requestTimeout: TimeAmount(limits.requestTimeout))
          )
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

import NIOConcurrencyHelpers
public import NIOCore
import NIOHTTP1
import NIOPosix
public import Prometheus

/// The plain HTTP port every service opens for its operators and container probes:
/// `GET /healthz` (the process runs), `GET /readyz` (it can serve: `readiness` passes, e.g. the
/// database answers) and `GET /metrics` (Prometheus text format). Anything else is 404.
public final class OpsServer: Sendable {
  public typealias Readiness = @Sendable () async -> String?

  private let registry: PrometheusCollectorRegistry
  /// Returns nil when ready, or why not (shown in the 503 body).
  private let readiness: Readiness
  /// Runs before each scrape, to refresh gauges (pool statistics and the like).
  private let beforeScrape: @Sendable () -> Void
  private let channel: NIOLockedValueBox<(any Channel)?>

  public init(
    registry: PrometheusCollectorRegistry,
    readiness: @escaping Readiness,
    beforeScrape: @escaping @Sendable () -> Void = {}
  ) {
    self.registry = registry
    self.readiness = readiness
    self.beforeScrape = beforeScrape
    self.channel = NIOLockedValueBox(nil)
  }

  /// Binds and starts answering; returns the bound address (port 0 picks a free one).
  public func start(host: String, port: Int) async throws -> SocketAddress {
    let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
            wrappingChannelSynchronously: channel
          )
        }
      }
    self.channel.withLockedValue { $0 = server.channel }
    Task {
      try await withThrowingDiscardingTaskGroup { group in
        try await server.executeThenClose { connections in
          for try await connection in connections {
            group.addTask { try? await self.serve(connection) }
          }
        }
      }
    }
    return server.channel.localAddress!
  }

  public func stop() async {
    let channel = self.channel.withLockedValue { $0 }
    try? await channel?.close()
  }

  private func serve(
    _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
  )
    async throws
  {
    try await connection.executeThenClose { inbound, outbound in
      var path = ""
      var keepAlive = true
      for try await part in inbound {
        switch part {
        case .head(let head):
          path = head.uri
          keepAlive = head.isKeepAlive
        case .body:
          continue
        case .end:
          let (status, body, type) = await self.answer(path)
          var headers = HTTPHeaders()
          headers.add(name: "Content-Type", value: type)
          headers.add(name: "Content-Length", value: String(body.utf8.count))
          headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
          try await outbound.write(
            .head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))
          )
          try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
          try await outbound.write(.end(nil))
          if !keepAlive { return }
        }
      }
    }
  }

  private func answer(_ uri: String) async -> (HTTPResponseStatus, String, String) {
    let path = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
    switch path {
    case "/healthz":
      return (.ok, "ok\n", "text/plain")
    case "/readyz":
      if let reason = await self.readiness() {
        return (.serviceUnavailable, "not ready: \(reason)\n", "text/plain")
      }
      return (.ok, "ready\n", "text/plain")
    case "/metrics":
      self.beforeScrape()
      return (.ok, self.registry.emitToString(), "text/plain; version=0.0.4")
    default:
      return (.notFound, "not found\n", "text/plain")
    }
  }
}

import ERPRuntime
import ERPTestSupport
import ERPTransport
import GRPCCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Prometheus
import Testing

/// A minimal HTTP/1.1 GET over a real socket: returns the status code and the body.
private func httpGet(port: Int, path: String) async throws -> (Int, String) {
  let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .connect(host: "127.0.0.1", port: port) { channel in
      channel.eventLoop.makeCompletedFuture {
        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
      }
    }
  let response = try await channel.executeThenClose { inbound, outbound in
    try await outbound.write(
      ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    )
    var text = ""
    for try await chunk in inbound { text += String(buffer: chunk) }
    return text
  }
  let status = Int(response.split(separator: " ").dropFirst().first ?? "") ?? 0
  let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
  return (status, body)
}

@Suite("The ops HTTP port: health, readiness, metrics")
struct OpsServerTests {
  @Test("healthz answers; readyz follows the readiness check; unknown paths are 404")
  func probes() async throws {
    let ready = NIOLockedValueBox<String?>("database unreachable")
    let ops = OpsServer(
      registry: PrometheusCollectorRegistry(),
      readiness: { ready.withLockedValue { $0 } }
    )
    let port = try await ops.start(host: "127.0.0.1", port: 0).port!
    #expect(try await httpGet(port: port, path: "/healthz").0 == 200)
    let notReady = try await httpGet(port: port, path: "/readyz")
    #expect(notReady.0 == 503)
    #expect(notReady.1.contains("database unreachable"))
    ready.withLockedValue { $0 = nil }
    #expect(try await httpGet(port: port, path: "/readyz").0 == 200)
    #expect(try await httpGet(port: port, path: "/nope").0 == 404)
    await ops.stop()
  }

  @Test("readyz reflects a real database pool")
  func readinessFromPool() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let ops = OpsServer(
      registry: PrometheusCollectorRegistry(),
      readiness: {
        do {
          try await pool.withSession { try await $0.query("SELECT 1") }
          return nil
        } catch {
          return "database: \(error)"
        }
      }
    )
    let port = try await ops.start(host: "127.0.0.1", port: 0).port!
    #expect(try await httpGet(port: port, path: "/readyz").0 == 200)
    await pool.shutdown()
    #expect(try await httpGet(port: port, path: "/readyz").0 == 503)
    await ops.stop()
  }

  @Test("metrics count handled RPCs by method and status code, in Prometheus text")
  func rpcMetrics() async throws {
    let registry = PrometheusCollectorRegistry()
    let ops = OpsServer(registry: registry, readiness: { nil })
    let opsPort = try await ops.start(host: "127.0.0.1", port: 0).port!

    let echo = MethodDescriptor(fullyQualifiedService: "test.Metrics", method: "Echo")
    struct EchoOrFail: RegistrableRPCService {
      let method: MethodDescriptor
      func registerMethods<T: ServerTransport>(with router: inout RPCRouter<T>) {
        router.registerHandler(
          forMethod: self.method,
          deserializer: RawDeserializer(),
          serializer: RawSerializer()
        ) {
          request,
          _ in
          var iterator = request.messages.makeAsyncIterator()
          let message = try await iterator.next() ?? []
          guard message.isEmpty == false else {
            throw RPCError(code: .invalidArgument, message: "body: must not be empty")
          }
          return StreamingServerResponse(single: ServerResponse(message: message))
        }
      }
    }
    let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: 0))
    let server = GRPCServer(
      transport: transport,
      services: [EchoOrFail(method: echo)],
      interceptors: [RPCMetricsInterceptor(registry: registry)]
    )
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await server.serve() }
      let port = try await transport.listeningAddress.port!
      let client = GRPCClient(
        transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)])
      )
      group.addTask { try await client.runConnections() }
      for message in [[1], [2], []] as [[UInt8]] {
        _ = try? await client.unary(
          request: ClientRequest(message: message),
          descriptor: echo,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: .defaults
        ) { try $0.message }
      }
      client.beginGracefulShutdown()
      server.beginGracefulShutdown()
      try await group.waitForAll()
    }
    let (status, body) = try await httpGet(port: opsPort, path: "/metrics")
    #expect(status == 200)
    #expect(body.contains(#"erp_rpc_server_handled_total{method="test.Metrics/Echo",code="OK"} 2"#))
    #expect(
      body.contains(
        #"erp_rpc_server_handled_total{method="test.Metrics/Echo",code="invalidArgument"} 1"#
      )
    )
    #expect(body.contains("erp_rpc_server_handling_seconds_count"))
    await ops.stop()
  }
}

import ERPRuntime
import ERPTestSupport
import ERPTransport
import GRPCCore
import Prometheus
import Testing

@Suite("Per-method RPC metrics")
struct RPCMetricsTests {
  @Test("metrics count handled RPCs by method and status code, in Prometheus text")
  func rpcMetrics() async throws {
    let registry = PrometheusCollectorRegistry()

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
    try await withLoopbackServer(
      services: [EchoOrFail(method: echo)],
      interceptors: [RPCMetricsInterceptor(registry: registry)]
    ) { client, _ in
      for message in [[1], [2], []] as [[UInt8]] {
        _ = try? await client.unary(
          request: ClientRequest(message: message),
          descriptor: echo,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: .defaults
        ) { try $0.message }
      }
    }
    let body = registry.emitToString()
    #expect(body.contains(#"erp_rpc_server_handled_total{method="test.Metrics/Echo",code="OK"} 2"#))
    #expect(
      body.contains(
        #"erp_rpc_server_handled_total{method="test.Metrics/Echo",code="invalidArgument"} 1"#
      )
    )
    #expect(body.contains("erp_rpc_server_handling_seconds_count"))
  }
}

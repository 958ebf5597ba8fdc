import ERPRuntime
import ERPTestSupport
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Testing

@Suite("The ops port with its default limits")
struct OpsDefaultsTests {
  /// What a service runs (no limits given): a request left half-sent does not hold its
  /// connection open for ever (the default idle timeout is 5 s; the wait below is a watchdog).
  @Test("a half-sent request is closed by the default idle timeout")
  func halfSentClosedByDefault() async throws {
    let ops = OpsServer(
      host: "127.0.0.1",
      port: 0,
      registry: PrometheusCollectorRegistry(),
      logger: Logger(label: "test"),
      readiness: { nil }
    )
    let group = ServiceGroup(services: [ops], logger: Logger(label: "test"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
      tasks.addTask { try await group.run() }
      let port = try await ops.listeningPort
      let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
      try await channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\n"))
        .get()
      let closed = try await eventually(within: .seconds(15)) { !channel.isActive }
      #expect(closed, "the half-sent request's connection is still open")
      try? await channel.close()
      await group.triggerGracefulShutdown()
      try await tasks.waitForAll()
    }
  }
}

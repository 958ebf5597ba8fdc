import ERPRuntime
import ERPTestSupport
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Testing

/// A raw TCP connection to the ops port that sends `bytes` and then nothing. The write may fail
/// when the server closed the connection at once (past its cap): the caller checks the channel.
private func connect(port: Int, sending bytes: String) async throws -> any Channel {
  let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .connect(host: "127.0.0.1", port: port).get()
  try? await channel.writeAndFlush(ByteBuffer(string: bytes)).get()
  return channel
}

/// Waits until `channel` is closed (by the server), at most `limit` (a watchdog).
private func closed(_ channel: any Channel, within limit: Duration = .seconds(10)) async -> Bool {
  let end = ContinuousClock.now + limit
  while channel.isActive, ContinuousClock.now < end {
    try? await Task.sleep(for: .milliseconds(10))
  }
  return !channel.isActive
}

private func withLimitedOps(
  _ limits: OpsServer.Limits,
  _ body: @Sendable (Int) async throws -> Void
) async throws {
  let ops = OpsServer(
    host: "127.0.0.1",
    port: 0,
    registry: PrometheusCollectorRegistry(),
    logger: Logger(label: "test"),
    limits: limits,
    readiness: { nil }
  )
  let group = ServiceGroup(services: [ops], logger: Logger(label: "test"))
  try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    let result = await Result.capturing { try await body(try await ops.listeningPort) }
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
    try result.get()
  }
}

extension Result where Failure == any Error {
  static func capturing(_ body: () async throws -> Success) async -> Self {
    do { return .success(try await body()) } catch { return .failure(error) }
  }
}

@Suite("The ops port is bounded: timeouts, request size, connection cap")
struct OpsLimitsTests {
  @Test("half-sent requests are closed after the idle timeout; probes still work")
  func halfSentRequestsClosed() async throws {
    var limits = OpsServer.Limits()
    limits.idleTimeout = .milliseconds(300)
    try await withLimitedOps(limits) { port in
      var halfSent: [any Channel] = []
      for _ in 0..<20 {
        halfSent.append(
          try await connect(port: port, sending: "GET /healthz HTTP/1.1\r\nHost: x\r\n")
        )
      }
      for channel in halfSent { #expect(await closed(channel)) }
      #expect(try await OpsProbe.get(port: port, path: "/healthz").status == 200)
    }
  }

  @Test("a request dribbled in byte by byte is closed at the request timeout")
  func dribbledRequestClosed() async throws {
    var limits = OpsServer.Limits()
    limits.idleTimeout = .seconds(60)
    limits.requestTimeout = .milliseconds(300)
    try await withLimitedOps(limits) { port in
      let channel = try await connect(port: port, sending: "GET /healthz HTTP/1.1\r\n")
      var sent = 0
      while channel.isActive, sent < 1_000 {
        _ = try? await channel.writeAndFlush(ByteBuffer(string: "X")).get()
        sent += 1
        try await Task.sleep(for: .milliseconds(20))
      }
      #expect(await closed(channel))
    }
  }

  @Test("beyond the connection cap new connections are closed while the open ones live")
  func connectionCap() async throws {
    var limits = OpsServer.Limits()
    limits.idleTimeout = .seconds(60)
    limits.requestTimeout = .seconds(60)
    limits.maxConnections = 4
    try await withLimitedOps(limits) { port in
      // Five at once against a cap of four: exactly one is closed by the server (whichever was
      // counted last), the other four stay open.
      var all: [any Channel] = []
      for _ in 0..<5 {
        all.append(try await connect(port: port, sending: "GET /healthz HTTP/1.1\r\n"))
      }
      let connections = all
      let oneClosed = try await eventually(within: .seconds(10)) {
        connections.filter { !$0.isActive }.count == 1
      }
      #expect(oneClosed)
      var open = all.filter(\.isActive)
      #expect(open.count == 4)
      // Once one closes, a probe gets through again.
      try await open.removeLast().close()
      var answered = false
      for _ in 0..<100 where !answered {
        answered = (try? await OpsProbe.get(port: port, path: "/healthz").status) == 200
        if !answered { try await Task.sleep(for: .milliseconds(20)) }
      }
      #expect(answered)
      let stillOpen = open.allSatisfy { $0.isActive }
      #expect(stillOpen)
      for channel in open { try? await channel.close() }
    }
  }

  @Test("a request larger than the cap is answered 413")
  func requestTooLarge() async throws {
    var limits = OpsServer.Limits()
    limits.maxRequestBytes = 1024
    try await withLimitedOps(limits) { port in
      let big = "GET /healthz HTTP/1.1\r\nX-Filler: " + String(repeating: "a", count: 4096)
      let channel = try await connect(port: port, sending: big)
      #expect(await closed(channel))
      #expect(try await OpsProbe.get(port: port, path: "/healthz").status == 200)
    }
  }
}

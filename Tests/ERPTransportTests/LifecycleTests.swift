import ERPTestSupport
import GRPCCore
import NIOCore
import NIOPosix
import Testing

@testable import ERPTransport

@Suite("Shutdown, connection loss, reconnection and keepalive")
struct LifecycleTests {
  /// Starts a bidirectional stream that stays open until `gate` opens, then sends `count` more.
  private func openStream(
    _ client: GRPCClient<ERPTransport.Client>,
    gate: Gate,
    started: Probe
  ) -> Task<[[UInt8]], any Error> {
    Task {
      try await client.bidirectionalStreaming(
        request: StreamingClientRequest(of: [UInt8].self) { writer in
          try await writer.write([0])
          await gate.wait()
          for byte in UInt8(1)...5 { try await writer.write([byte]) }
        },
        descriptor: EchoService.update,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { response in
        var all: [[UInt8]] = []
        for try await message in response.messages {
          all.append(message)
          if all.count == 1 { started.started() }
        }
        return all
      }
    }
  }

  @Test("graceful shutdown lets streaming calls finish and moves new calls to another replica")
  func gracefulShutdownDuringStreaming() async throws {
    let a = try await Harness.startServer()
    let b = try await Harness.startServer()
    defer { Task { await b.shutDown() } }
    try await Harness.withClient([a.target]) { client in
      let gate = Gate()
      let progress = Probe()
      let streams = (0..<3).map { _ in self.openStream(client, gate: gate, started: progress) }
      #expect(await progress.waitUntil { progress.startedCount == 3 })

      let shutdown = Task { await a.shutDown() }
      // The streams go on once the server has begun draining (GOAWAY sent).
      #expect(await progress.waitUntil { a.transport.isShuttingDown })
      // In-flight streams keep going after GOAWAY and finish normally.
      gate.open()
      for stream in streams {
        let messages = try await stream.value
        #expect(messages == (0...5).map { [UInt8($0)] })
      }
      await shutdown.value
      // A finished shutdown refuses new calls on that address: UNAVAILABLE, retryable elsewhere.
      let error = await #expect(throws: RPCError.self) { _ = try await client.get([1]) }
      #expect(error?.code == .unavailable)
    }
    // A client that knows both replicas keeps working while one drains and stops.
    let c = try await Harness.startServer()
    try await Harness.withClient([c.target, b.target]) { client in
      let first = try await client.get([1])
      #expect(first == [1])
      await c.shutDown()
      for index in 0..<20 {
        let echoed = try await client.get([UInt8(index)])
        #expect(echoed == [UInt8(index)])
      }
    }
  }

  @Test("a server killed mid-call fails the client's in-flight calls with UNAVAILABLE")
  func serverKilled() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    try await Harness.withClient([server.target]) { client in
      let call = Task { try await client.call(EchoService.sleep, []) }
      #expect(await probe.waitUntil { probe.startedCount == 1 })
      await server.kill()
      let result = await call.result
      #expect(throws: RPCError.self) { try result.get() }
      if case .failure(let error as RPCError) = result {
        #expect(error.code == .unavailable)
      }
    }
  }

  @Test("a client killed mid-call cancels the server handler")
  func clientKilled() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    try await raw.channel.executeThenClose { _, outbound in
      try await outbound.write(
        .init(
          bytes: RawFrames.preface + RawFrames.settings
            + RawFrames.headers(stream: 1, path: "/test.Echo/Sleep")
        )
      )
      #expect(await probe.waitUntil { probe.startedCount == 1 })
    }
    #expect(await probe.waitUntil { probe.cancelledCount >= 1 })
  }

  @Test("the client reconnects after the server restarts on the same port")
  func reconnect() async throws {
    // A port below the kernel's ephemeral range (32768 and up here), so that no outgoing
    // connection of a concurrent test takes it while the server is down.
    var first: RunningServer?
    for _ in 0..<50 where first == nil {
      first = try? await Harness.startServer(port: Int.random(in: 20_000..<30_000))
    }
    let firstServer = try #require(first)
    let port = firstServer.port
    try await Harness.withClient(
      [firstServer.target],
      configure: { $0.backoff.initial = .milliseconds(20) }
    ) { client in
      let before = try await client.get([1])
      #expect(before == [1])
      await firstServer.kill()
      // Like a restarted service, retry the bind while the old sockets finish closing.
      var restartedServer: RunningServer?
      for _ in 0..<100 where restartedServer == nil {
        restartedServer = try? await Harness.startServer(port: port)
        if restartedServer == nil { try await Task.sleep(for: .milliseconds(50)) }
      }
      let restarted = try #require(restartedServer)
      defer { Task { await restarted.shutDown() } }
      var after: [UInt8] = []
      for _ in 0..<50 {
        if let echoed = try? await client.get([2]) {
          after = echoed
          break
        }
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(after == [2])
    }
  }

  @Test("calls are spread over every address")
  func spreadsOverReplicas() async throws {
    let probeA = Probe()
    let probeB = Probe()
    let a = try await Harness.startServer(probe: probeA)
    let b = try await Harness.startServer(probe: probeB)
    defer {
      Task {
        await a.shutDown(); await b.shutDown()
      }
    }
    try await Harness.withClient([a.target, b.target]) { client in
      for index in 0..<100 { _ = try await client.get([UInt8(index)]) }
    }
    #expect(probeA.calls(EchoService.get) > 0)
    #expect(probeB.calls(EchoService.get) > 0)
    #expect(probeA.calls(EchoService.get) + probeB.calls(EchoService.get) == 100)
  }

  @Test("with no server listening, calls fail fast with UNAVAILABLE naming the address")
  func nothingListening() async throws {
    // Bind and release a port so that nothing listens on it.
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    try await Harness.withClient([.init(host: "127.0.0.1", port: port)]) { client in
      let error = await #expect(throws: RPCError.self) { _ = try await client.get([1]) }
      #expect(error?.code == .unavailable)
      #expect(error?.message.contains("127.0.0.1:\(port)") == true)
    }
  }

  @Test("a server that stops answering pings is detected by keepalive")
  func keepaliveDetectsDeadPeer() async throws {
    // A listener that completes the handshake and then never answers anything.
    let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          var hello = ByteBuffer(bytes: RawFrames.preface + RawFrames.settings)
          channel.writeAndFlush(hello, promise: nil)
          hello.clear()
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    defer { silent.close(promise: nil) }
    try await Harness.withClient(
      [.init(host: "127.0.0.1", port: silent.localAddress!.port!)],
      configure: { $0.keepaliveInterval = .milliseconds(100) }
    ) { client in
      var options = CallOptions.defaults
      options.timeout = .seconds(20)
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.get([1], options: options)
      }
      // Keepalive closed the connection long before the 20 s deadline.
      #expect(error?.code == .unavailable)
    }
  }

  @Test("an idle connection is drained and closed by the server; the next call opens a new one")
  func idleTimeout() async throws {
    let server = try await Harness.startServer { $0.idleTimeout = .milliseconds(100) }
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let first = try await client.get([1])
      #expect(first == [1])
      #expect(server.transport.connectionCounts.accepted == 1)
      // The server drains the idle connection and closes it: wait for that, not for a time.
      let closed = await Probe().waitUntil {
        let counts = server.transport.connectionCounts
        return counts.open == 0 && counts.idleDrains >= 1
      }
      #expect(closed, "the idle connection was never closed")
      let second = try await client.get([2])
      #expect(second == [2])
      #expect(server.transport.connectionCounts.accepted == 2)
    }
  }

  @Test("calls racing the server's idle GOAWAY are never refused (two-phase drain)")
  func idleDrainRace() async throws {
    let server = try await Harness.startServer { $0.idleTimeout = .milliseconds(20) }
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let warm = try await client.get([0])
      #expect(warm == [0])
      var failures = 0
      for round in 0..<30 {
        // Wait until the server begins draining the idle connection, then call at once, so the
        // call races the GOAWAY on the wire; a few more calls follow back to back.
        // (When the last round's calls went over a connection in its first drain phase, that
        // connection has closed since and the calls open a fresh one.)
        let drains = server.transport.connectionCounts.idleDrains
        let drained = await Probe().waitUntil {
          let counts = server.transport.connectionCounts
          return counts.idleDrains > drains || counts.open == 0
        }
        #expect(drained, "round \(round): the server never drained the idle connection")
        for index in 0..<3 {
          if (try? await client.get([UInt8(index)])) == nil { failures += 1 }
        }
      }
      #expect(failures == 0)
      // Of two rounds in a row, at least one waited for a drain, and each drain retired a
      // connection.
      let counts = server.transport.connectionCounts
      #expect(counts.idleDrains >= 15)
      #expect(counts.accepted >= 15)
    }
  }
}

import GRPCCore
import NIOCore
import NIOPosix
import Testing

@testable import ERPTransport

/// What one caller does wrong, or one broken answer from a server, stays on that caller's stream:
/// the other calls sharing the connection (other tenants' calls, in a gateway) carry on.
@Suite("Faults on one stream leave the shared connection to everyone else")
struct SharedConnectionFaultTests {
  /// 16,400 Arabic letters: a status message far above the 16 KiB metadata limit.
  static let longArabic = String(repeating: "ش", count: 16_400)

  @Test("an error message above the client's metadata limit is cut on a character boundary")
  func oversizedStatusMessage() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      // Another caller's call in flight on the same connection.
      let other = Task { try await client.call(EchoService.hold, [1, 2, 3]) }
      #expect(await probe.waitUntil { probe.startedCount == 1 })

      let error = await #expect(throws: RPCError.self) {
        _ = try await client.call(EchoService.fail, [3] + Array(Self.longArabic.utf8))
      }
      #expect(error?.code == .invalidArgument)
      let message = error?.message ?? ""
      #expect(message.utf8.count <= 16 * 1024)
      #expect(message.utf8.count > 8 * 1024)
      #expect(message.hasSuffix("…"))
      #expect(message.dropLast().allSatisfy { $0 == "ش" })

      probe.gate.open()
      let held = try await other.value
      #expect(held == Array("3".utf8))
      let after = try await client.get([5])
      #expect(after == [5])
    }
  }

  @Test("TRAILERS above the client's limit from a server fail only that call")
  func oversizedTrailersFromServer() async throws {
    let big = Status(code: .invalidArgument, message: String(repeating: "x", count: 20_000))
    let server = try await ScriptedServer.start { _, frame in
      if frame.type == .halfClose, frame.streamID == 1 {
        return [Frame(type: .trailers, streamID: 1, payload: FramePayloads.status(big))]
      }
      return ScriptedServer.answer(frame, with: [42])
    }
    defer { Task { await server.stop() } }
    try await Harness.withClient([server.target]) { client in
      let error = await #expect(throws: RPCError.self) { _ = try await client.get([1]) }
      #expect(error?.code == .resourceExhausted)
      let next = try await client.get([2])
      #expect(next == [42])
    }
    #expect(server.connections == 1)
  }

  @Test("malformed TRAILERS from a server fail only that call")
  func malformedTrailersFromServer() async throws {
    let server = try await ScriptedServer.start { _, frame in
      if frame.type == .halfClose, frame.streamID == 1 {
        // Status OK, then a metadata entry whose text value is not UTF-8.
        var payload = FramePayloads.status(Status(code: .ok, message: ""))
        payload.writeInteger(UInt16(3))
        payload.writeString("x-a")
        payload.writeInteger(UInt32(2))
        payload.writeBytes([0xC3, 0x28])
        return [Frame(type: .trailers, streamID: 1, payload: payload)]
      }
      return ScriptedServer.answer(frame, with: [42])
    }
    defer { Task { await server.stop() } }
    try await Harness.withClient([server.target]) { client in
      let error = await #expect(throws: RPCError.self) { _ = try await client.get([1]) }
      #expect(error?.code == .internalError)
      let next = try await client.get([2])
      #expect(next == [42])
    }
    #expect(server.connections == 1)
  }

  /// The gateway's livelock: its handlers run on event loops, and after a connection error a new
  /// call picked the failed connection again and again without suspending, so the loop never got
  /// to close it. Reproduced with a one-thread client group, the new call on that thread, and a
  /// server that leaves the failed connection open (so only the client's own close ends it).
  @Test("after a protocol error from the server, a new call reconnects instead of spinning")
  func reconnectAfterProtocolError() async throws {
    let server = try await ScriptedServer.start { connection, frame in
      if connection == 0 {
        // Three calls in flight, then a frame for a stream never opened: a protocol error.
        if frame.type == .headers, frame.streamID == 5 {
          return [Frame(type: .message, flags: 1, streamID: 99, payload: ByteBuffer(bytes: [1]))]
        }
        return []
      }
      return ScriptedServer.answer(frame, with: [42])
    }
    defer { Task { await server.stop() } }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let transport = ERPTransport.Client(targets: [server.target], group: group)
    let client = GRPCClient(transport: transport)
    let running = Task { try await client.runConnections() }

    let inFlight = (0..<3).map { _ in Task { try await client.get([1]) } }
    #expect(await Probe().waitUntil { server.goAways >= 1 })
    // The client has failed the connection (its GOAWAY arrived); the next call starts on the
    // client's own event loop, as a gateway handler's call does.
    let finished = Probe()
    let next = Task(executorPreference: EventLoopTaskExecutor(group.next())) {
      defer { finished.started() }
      return try await client.get([2])
    }
    let served = await finished.waitUntil { finished.startedCount == 1 }
    #expect(served, "the call after the connection error never completed")
    guard served else { return }  // The loop is spinning: leave it rather than hang the run.

    let answer = try await next.value
    #expect(answer == [42])
    for call in inFlight {
      let error = await #expect(throws: RPCError.self) { _ = try await call.value }
      #expect(error?.code == .unavailable)
    }
    let after = try await client.get([3])
    #expect(after == [42])
    client.beginGracefulShutdown()
    try await running.value
    try await group.shutdownGracefully()
  }

  /// Deliver 8's transport part: tenant A's hostile headers and oversized echo on the connection
  /// that tenant B's calls share.
  @Test("tenant A's hostile headers and oversized echo leave tenant B's calls on the connection")
  func tenantIsolationOnOneConnection() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let tenantB: Metadata = ["x-erp-tenant": "tenant_b"]
      let before = try await client.get([1], metadata: tenantB)
      #expect(before == [1])
      let held = (0..<4).map { _ in
        Task { try await client.call(EchoService.hold, [9, 9], metadata: tenantB) }
      }
      #expect(await probe.waitUntil { probe.startedCount == 4 })

      let hostile: [(String, String, RPCError.Code)] = [
        ("grpc-timeout", "-1S", .invalidArgument),
        ("grpc-timeout", "+1S", .invalidArgument),
        ("grpc-timeout", "123456789S", .invalidArgument),
        ("grpc-timeout", "1x", .invalidArgument),
        ("grpc-previous-rpc-attempts", "-1", .invalidArgument),
        ("grpc-encoding", "gzip", .unimplemented),
      ]
      for (key, value, code) in hostile {
        var metadata: Metadata = ["x-erp-tenant": "tenant_a"]
        metadata.addString(value, forKey: key)
        let error = await #expect(throws: RPCError.self) {
          _ = try await client.get([1], metadata: metadata)
        }
        #expect(error?.code == code, "\(key): \(value)")
      }
      let echo = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          EchoService.fail,
          [3] + Array(Self.longArabic.utf8),
          metadata: ["x-erp-tenant": "tenant_a"]
        )
      }
      #expect(echo?.code == .invalidArgument)
      let bigMetadata = await #expect(throws: RPCError.self) {
        _ = try await client.get([1], metadata: ["x-big": "\(String(repeating: "ش", count: 9000))"])
      }
      #expect(bigMetadata?.code == .resourceExhausted)

      probe.gate.open()
      for call in held {
        let total = try await call.value
        #expect(total == Array("2".utf8))
      }
      let after = try await client.get([2], metadata: tenantB)
      #expect(after == [2])
    }
    // Every call above went over the one connection.
    #expect(probe.peers.count == 1)
  }
}

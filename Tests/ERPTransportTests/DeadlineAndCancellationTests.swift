import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@Suite("Deadlines and cancellation reach the other side")
struct DeadlineAndCancellationTests {
  @Test(
    "a slow handler past its deadline: DEADLINE_EXCEEDED for the client, cancellation for the handler"
  )
  func deadline() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      var options = CallOptions.defaults
      options.timeout = .milliseconds(300)
      // On a loaded machine the deadline can pass before the request reaches the server; try
      // until a handler has really started, then every started handler must see cancellation.
      for _ in 0..<10 where probe.startedCount == 0 {
        let error = await #expect(throws: RPCError.self) {
          _ = try await client.call(EchoService.sleep, [], options: options)
        }
        #expect(error?.code == .deadlineExceeded)
      }
      #expect(probe.startedCount >= 1)
      #expect(await probe.waitUntil { probe.cancelledCount >= probe.startedCount })
    }
  }

  @Test("grpc-timeout travels in metadata so the server enforces the deadline too")
  func timeoutHeaderOnTheWire() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    // A raw client that never cancels: only the server's own deadline can end this call.
    let call =
      RawFrames.headers(stream: 1, path: "/test.Echo/Sleep", metadata: [("grpc-timeout", "100m")])
      + RawFrames.frame(type: 2, flags: 1, stream: 1, payload: [])
      + RawFrames.frame(type: 3, stream: 1, payload: [])
    let received = try await raw.exchange(
      RawFrames.preface + RawFrames.settings + call,
      readUntilClose: false
    )
    // The server ended the call by itself: GRPCCore's server cancelled the handler at the deadline.
    #expect(RawFrames.parse(received).contains { $0.type == 4 && $0.stream == 1 })
    #expect(probe.cancelledCount >= 1)
  }

  @Test("a client cancelling mid-stream cancels the server handler")
  func cancelMidStream() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let call = Task {
        try await client.call(EchoService.sleep, [])
      }
      #expect(await probe.waitUntil { probe.startedCount == 1 })
      call.cancel()
      let result = await call.result
      #expect(throws: (any Error).self) { try result.get() }
      #expect(await probe.waitUntil { probe.cancelledCount >= 1 })
    }
  }

  @Test("cancelling a bidirectional stream mid-way leaves the connection usable")
  func cancelBidiThenReuse() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let gate = Gate()
      let inFlight = Probe()
      let stream = Task {
        try await client.bidirectionalStreaming(
          request: StreamingClientRequest(of: [UInt8].self) { writer in
            try await writer.write([1])
            await gate.wait()
          },
          descriptor: EchoService.update,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: .defaults
        ) { response in
          for try await _ in response.messages { inFlight.started() }
        }
      }
      // Cancel once the stream is really in flight (the server echoed its first message).
      #expect(await inFlight.waitUntil { inFlight.startedCount == 1 })
      stream.cancel()
      gate.open()
      _ = await stream.result
      let echoed = try await client.get([9])
      #expect(echoed == [9])
    }
  }
}

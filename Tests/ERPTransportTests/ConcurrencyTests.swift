import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@Suite("Many streams share one connection")
struct ConcurrencyTests {
  @Test("1,000 concurrent unary calls on one connection all succeed")
  func thousandUnary() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      try await withThrowingTaskGroup(of: Bool.self) { group in
        for index in 0..<1000 {
          group.addTask {
            let message = Array("call \(index)".utf8)
            return try await client.get(message) == message
          }
        }
        var correct = 0
        for try await ok in group where ok { correct += 1 }
        #expect(correct == 1000)
      }
    }
    #expect(probe.calls(EchoService.get) == 1000)
  }

  @Test("a large message to a slow reader does not hold back small calls on the same connection")
  func noHeadOfLineBlocking() async throws {
    let probe = Probe()
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      // 4 MiB towards a handler that does not read until the gate opens.
      let big = Task {
        try await client.clientStreaming(
          request: StreamingClientRequest(of: [UInt8].self) { writer in
            for _ in 0..<4 {
              try await writer.write([UInt8](repeating: 1, count: 1024 * 1024 - 64))
            }
          },
          descriptor: EchoService.hold,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: .defaults
        ) { try $0.message }
      }
      #expect(await probe.waitUntil { probe.startedCount == 1 })
      // The big stream is stalled on flow control; small calls still complete meanwhile.
      for index in 0..<20 {
        let echoed = try await client.get([UInt8(index)])
        #expect(echoed == [UInt8(index)])
      }
      probe.gate.open()
      let total = try await big.value
      #expect(String(decoding: total, as: UTF8.self) == "\(4 * (1024 * 1024 - 64))")
    }
  }

  @Test("a 3 MiB message round-trips intact")
  func largeMessage() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let message = (0..<(3 * 1024 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
      let echoed = try await client.get(message)
      #expect(echoed == message)
    }
  }
}

import ERPTransport
import GRPCCore
import Testing

@Suite("Message size limits on both sides")
struct LimitsTests {
  @Test("a request over the server's announced limit is RESOURCE_EXHAUSTED before it is sent")
  func requestTooLarge() async throws {
    let server = try await Harness.startServer { $0.limits.maxMessageSize = 64 * 1024 }
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.get([UInt8](repeating: 0, count: 64 * 1024 + 1))
      }
      #expect(error?.code == .resourceExhausted)
      #expect(error?.message.contains("65536") == true)
      // The connection is still good for calls within the limit.
      let echoed = try await client.get([UInt8](repeating: 2, count: 64 * 1024))
      #expect(echoed.count == 64 * 1024)
    }
  }

  @Test("a response over the client's announced limit is RESOURCE_EXHAUSTED")
  func responseTooLarge() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target], configure: { $0.limits.maxMessageSize = 10_000 })
    {
      client in
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.call(EchoService.sized, Array("10001".utf8))
      }
      #expect(error?.code == .resourceExhausted)
      let fits = try await client.call(EchoService.sized, Array("10000".utf8))
      #expect(fits.count == 10_000)
    }
  }

  @Test("calls beyond the server's concurrent-stream limit queue on the client instead of failing")
  func streamLimitQueues() async throws {
    let server = try await Harness.startServer { $0.limits.maxConcurrentStreams = 4 }
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      try await withThrowingTaskGroup(of: [UInt8].self) { group in
        for index in 0..<64 { group.addTask { try await client.get([UInt8(index)]) } }
        var count = 0
        for try await _ in group { count += 1 }
        #expect(count == 64)
      }
    }
  }
}

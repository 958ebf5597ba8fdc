import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

@Suite("Each RPC kind over real TCP")
struct RPCKindsTests {
  @Test("unary echoes the message and metadata both ways")
  func unary() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let metadata: Metadata = ["x-echo-name": "أحمد", "x-echo-blob-bin": .binary([0, 1, 255])]
      let response = try await client.unary(
        request: ClientRequest(message: Array("مرحبا".utf8), metadata: metadata),
        descriptor: EchoService.get,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { response in response }
      #expect(try response.message == Array("مرحبا".utf8))
      #expect(Array(response.metadata[stringValues: "x-echo-name"]) == ["أحمد"])
      #expect(Array(response.metadata[binaryValues: "x-echo-blob-bin"]) == [[0, 1, 255]])
      #expect(Array(response.trailingMetadata[stringValues: "x-echo-name"]) == ["أحمد"])
    }
  }

  @Test("client streaming collects every message")
  func clientStreaming() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let result = try await client.clientStreaming(
        request: StreamingClientRequest(of: [UInt8].self) { writer in
          for byte in UInt8(0)..<100 { try await writer.write([byte]) }
        },
        descriptor: EchoService.collect,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { try $0.message }
      #expect(result == Array(0..<100))
    }
  }

  @Test("server streaming delivers every message then the trailers")
  func serverStreaming() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let (messages, trailers) = try await client.serverStreaming(
        request: ClientRequest(message: [200]),
        descriptor: EchoService.expand,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { response -> ([[UInt8]], Metadata) in
        var messages: [[UInt8]] = []
        var trailers = Metadata()
        for try await part in response.bodyParts {
          switch part {
          case .message(let message): messages.append(message)
          case .trailingMetadata(let metadata): trailers = metadata
          }
        }
        return (messages, trailers)
      }
      #expect(messages == (0..<200).map { [UInt8($0)] })
      #expect(Array(trailers[stringValues: "x-count"]) == ["200"])
    }
  }

  @Test("bidirectional streaming echoes messages as they arrive")
  func bidirectional() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let echoed = try await client.bidirectionalStreaming(
        request: StreamingClientRequest(of: [UInt8].self) { writer in
          for byte in UInt8(0)..<50 { try await writer.write([byte, byte]) }
        },
        descriptor: EchoService.update,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { response in
        var all: [[UInt8]] = []
        for try await message in response.messages { all.append(message) }
        return all
      }
      #expect(echoed == (0..<50).map { [UInt8($0), UInt8($0)] })
    }
  }

  @Test("every status code and its message reach the client", arguments: 1...16)
  func statuses(code: Int) async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let expected = RPCError.Code(Status.Code(rawValue: code)!)!
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.call(EchoService.fail, [UInt8(code)] + Array("الحقل customer_id".utf8))
      }
      #expect(error?.code == expected)
      #expect(error?.message == "الحقل customer_id")
    }
  }

  @Test("an unknown method is UNIMPLEMENTED")
  func unknownMethod() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    try await Harness.withClient([server.target]) { client in
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          MethodDescriptor(fullyQualifiedService: "test.Nope", method: "X"),
          []
        )
      }
      #expect(error?.code == .unimplemented)
    }
  }
}

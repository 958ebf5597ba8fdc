import ERPTransport
import GRPCCore
import Testing

/// Hostile or broken bytes written straight to a socket: the server answers with a closing frame
/// where it can, closes that connection, and keeps serving everyone else.
@Suite("Malformed input never crashes the server or disturbs other connections")
struct MalformedInputTests {
  /// Feeds `bytes` to a fresh connection, then proves a well-behaved client still gets answers.
  private func feed(_ bytes: [UInt8]) async throws -> [RawFrames.Parsed] {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let received = try await raw.exchange(bytes)
    try await Harness.withClient([server.target]) { client in
      let echoed = try await client.get([1, 2, 3])
      #expect(echoed == [1, 2, 3])
    }
    return RawFrames.parse(received)
  }

  @Test("a wrong magic gets a GOAWAY saying why, then the connection closes")
  func wrongMagic() async throws {
    let frames = try await self.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8))
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.code == 1)
    #expect(goAway.reason.contains("preface"))
  }

  @Test("an unsupported version gets a GOAWAY naming the versions")
  func wrongVersion() async throws {
    let frames = try await self.feed(Array("ERPT".utf8) + [0, 9, 0, 0])
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.code == 3)
    #expect(goAway.reason.contains("version 9"))
  }

  @Test("random bytes are refused")
  func randomBytes() async throws {
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
    let frames = try await self.feed(bytes)
    #expect(RawFrames.goAway(in: frames) != nil)
  }

  @Test("a truncated header followed by a close leaves the server serving")
  func truncatedHeader() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    try await raw.channel.executeThenClose { _, outbound in
      try await outbound.write(.init(bytes: RawFrames.preface + RawFrames.settings + [0, 0, 0]))
    }
    try await Harness.withClient([server.target]) { client in
      let echoed = try await client.get([4])
      #expect(echoed == [4])
    }
  }

  @Test("a length over the limit is a FRAME_SIZE error")
  func oversizedLength() async throws {
    let frames = try await self.feed(
      RawFrames.preface + RawFrames.settings + RawFrames.be32(0x7FFF_FFFF) + [2, 0]
        + RawFrames.be32(1)
    )
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.code == 2)
    #expect(goAway.reason.contains("exceeds the limit"))
  }

  @Test("an unknown frame type is ignored and the connection keeps working")
  func unknownFrameType() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let ping = RawFrames.frame(type: 7, stream: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8])
    let goAwayLater = RawFrames.frame(
      type: 8,
      stream: 0,
      payload: RawFrames.be32(0) + RawFrames.be32(0)
    )
    let received = try await raw.exchange(
      RawFrames.preface + RawFrames.settings
        + RawFrames.frame(type: 0x42, stream: 0, payload: [9, 9]) + ping + goAwayLater
    )
    let frames = RawFrames.parse(received)
    // The ping after the unknown frame was answered: the connection survived it.
    #expect(
      frames.contains { $0.type == 7 && $0.flags == 1 && $0.payload == [1, 2, 3, 4, 5, 6, 7, 8] }
    )
    #expect(RawFrames.goAway(in: frames) == nil)
  }

  @Test("a frame for a stream that was never opened is a protocol error")
  func unknownStream() async throws {
    let frames = try await self.feed(
      RawFrames.preface + RawFrames.settings
        + RawFrames.frame(type: 2, flags: 1, stream: 41, payload: [1])
    )
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.code == 1)
    #expect(goAway.reason.contains("never opened"))
  }

  @Test("a frame for a closed stream is ignored")
  func closedStream() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let call =
      RawFrames.headers(stream: 1, path: "/test.Echo/Get")
      + RawFrames.frame(type: 2, flags: 1, stream: 1, payload: [5])
      + RawFrames.frame(type: 3, stream: 1, payload: [])
    let received = try await raw.exchange(
      RawFrames.preface + RawFrames.settings + call,
      readUntilClose: false
    )
    #expect(RawFrames.parse(received).contains { $0.type == 4 && $0.stream == 1 })
  }

  @Test("a reused stream id is a protocol error")
  func reusedStreamID() async throws {
    let open = RawFrames.headers(stream: 3, path: "/test.Echo/Sleep")
    let frames = try await self.feed(
      RawFrames.preface + RawFrames.settings + open
        + RawFrames.headers(stream: 3, path: "/test.Echo/Get")
    )
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.code == 1)
    #expect(goAway.reason.contains("reused"))
  }

  @Test("a stream frame before SETTINGS is a protocol error")
  func framesBeforeSettings() async throws {
    let frames = try await self.feed(
      RawFrames.preface + RawFrames.headers(stream: 1, path: "/test.Echo/Get")
    )
    let goAway = try #require(RawFrames.goAway(in: frames))
    #expect(goAway.reason.contains("SETTINGS"))
  }

  @Test("truncated metadata is a protocol error")
  func truncatedMetadata() async throws {
    let bad = RawFrames.frame(type: 1, stream: 1, payload: RawFrames.be16(40) + Array("/x".utf8))
    let frames = try await self.feed(RawFrames.preface + RawFrames.settings + bad)
    #expect(RawFrames.goAway(in: frames)?.code == 1)
  }

  @Test("a message over the server's limit is RESOURCE_EXHAUSTED for that stream only")
  func oversizedMessageFromRawClient() async throws {
    let server = try await Harness.startServer { $0.limits.maxMessageSize = 1024 }
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let chunk = [UInt8](repeating: 1, count: 800)
    let call =
      RawFrames.headers(stream: 1, path: "/test.Echo/Get")
      + RawFrames.frame(type: 2, stream: 1, payload: chunk)
      + RawFrames.frame(type: 2, flags: 1, stream: 1, payload: chunk)
    let received = try await raw.exchange(
      RawFrames.preface + RawFrames.settings + call,
      readUntilClose: false
    )
    let trailers = try #require(RawFrames.parse(received).first { $0.type == 4 && $0.stream == 1 })
    #expect(RawFrames.statusCode(trailers) == 8)  // RESOURCE_EXHAUSTED
    #expect(String(decoding: trailers.payload, as: UTF8.self).contains("1024"))
  }
}

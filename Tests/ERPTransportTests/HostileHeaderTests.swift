import ERPTransport
import GRPCCore
import Testing

/// Reserved headers with hostile values, written straight to a socket: each ends only its own
/// stream with a status, never the process or the connection.
@Suite("Hostile reserved headers end their stream only")
struct HostileHeaderTests {
  /// Opens stream 1 with `metadata`, then a plain `Get` on stream 3 on the same connection, and
  /// returns both streams' TRAILERS.
  private func exchange(
    _ metadata: [(String, [UInt8])]
  ) async throws -> (first: RawFrames.Parsed?, second: RawFrames.Parsed?, all: [RawFrames.Parsed]) {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let hostile =
      RawFrames.headers(stream: 1, path: "/test.Echo/Get", rawMetadata: metadata)
      + RawFrames.frame(type: 2, flags: 1, stream: 1, payload: [1])
      + RawFrames.frame(type: 3, stream: 1, payload: [])
    let plain =
      RawFrames.headers(stream: 3, path: "/test.Echo/Get")
      + RawFrames.frame(type: 2, flags: 1, stream: 3, payload: [7])
      + RawFrames.frame(type: 3, stream: 3, payload: [])
    let frames = try await raw.exchange(RawFrames.preface + RawFrames.settings + hostile + plain) {
      RawFrames.trailers(of: 3, in: $0) != nil || RawFrames.goAway(in: $0) != nil
    }
    return (RawFrames.trailers(of: 1, in: frames), RawFrames.trailers(of: 3, in: frames), frames)
  }

  @Test(
    "a malformed grpc-timeout is INVALID_ARGUMENT for its stream; the next stream is served",
    arguments: [
      "-1S", "-99999999H", "+1S", "1", "S", "", "123456789S", "1s", " 1S", "1S ", "1.5S", "0x1S",
      "١S", "99999999999999999999H", "1SS",
    ]
  )
  func badTimeout(value: String) async throws {
    let result = try await self.exchange([("grpc-timeout", Array(value.utf8))])
    let first = try #require(result.first)
    #expect(RawFrames.statusCode(first) == 3)  // INVALID_ARGUMENT
    #expect(RawFrames.statusMessage(first).contains("grpc-timeout"))
    let second = try #require(result.second)
    #expect(RawFrames.statusCode(second) == 0)
    #expect(RawFrames.goAway(in: result.all) == nil)
  }

  @Test("grpc-timeout given twice is INVALID_ARGUMENT")
  func repeatedTimeout() async throws {
    let result = try await self.exchange([
      ("grpc-timeout", Array("5S".utf8)), ("grpc-timeout", Array("-1S".utf8)),
    ])
    #expect(result.first.map(RawFrames.statusCode) == 3)
    #expect(result.second.map(RawFrames.statusCode) == 0)
  }

  @Test(
    "well-formed timeouts of 1 to 8 digits in every unit are accepted",
    arguments: [
      "1H", "99999999H", "5M", "30S", "99999999m", "00000500m", "99999999u",
      "99999999n",
    ]
  )
  func goodTimeout(value: String) async throws {
    // `99999999n` (100 ms) may pass before the handler answers: either outcome is a status.
    let result = try await self.exchange([("grpc-timeout", Array(value.utf8))])
    let first = try #require(result.first)
    #expect([0, 4].contains(RawFrames.statusCode(first)))
    if value != "99999999n" { #expect(RawFrames.statusCode(first) == 0) }
    #expect(result.second.map(RawFrames.statusCode) == 0)
  }

  @Test(
    "a malformed grpc-previous-rpc-attempts is INVALID_ARGUMENT",
    arguments: ["-1", "", "1e3", "99999999999999999999"]
  )
  func badPreviousAttempts(value: String) async throws {
    let result = try await self.exchange([("grpc-previous-rpc-attempts", Array(value.utf8))])
    let first = try #require(result.first)
    #expect(RawFrames.statusCode(first) == 3)
    #expect(RawFrames.statusMessage(first).contains("grpc-previous-rpc-attempts"))
    #expect(result.second.map(RawFrames.statusCode) == 0)
  }

  @Test("a compressed request (grpc-encoding other than identity) is UNIMPLEMENTED")
  func compression() async throws {
    let result = try await self.exchange([("grpc-encoding", Array("gzip".utf8))])
    #expect(result.first.map(RawFrames.statusCode) == 12)
    #expect(result.second.map(RawFrames.statusCode) == 0)
  }

  @Test("a long malformed path is UNIMPLEMENTED, quoting only a short prefix of it")
  func longPath() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let path = "no-slash-" + String(repeating: "x", count: 8000)
    let frames = try await raw.exchange(
      RawFrames.preface + RawFrames.settings + RawFrames.headers(stream: 1, path: path)
    ) { RawFrames.trailers(of: 1, in: $0) != nil }
    let trailers = try #require(RawFrames.trailers(of: 1, in: frames))
    #expect(RawFrames.statusCode(trailers) == 12)
    #expect(RawFrames.statusMessage(trailers).utf8.count < 200)
  }

  @Test("HEADERS over the server's metadata limit end that stream with RESOURCE_EXHAUSTED")
  func oversizedHeaders() async throws {
    let result = try await self.exchange([("x-big", [UInt8](repeating: 0x61, count: 20_000))])
    #expect(result.first.map(RawFrames.statusCode) == 8)
    #expect(result.second.map(RawFrames.statusCode) == 0)
    #expect(RawFrames.goAway(in: result.all) == nil)
  }
}

/// A server ends a call at its deadline by itself, whatever the client does (wire spec §2.1).
@Suite("Servers enforce grpc-timeout on their own")
struct ServerDeadlineTests {
  /// Opens stream 1 on `method` with `timeout` and then sends nothing (no message, no
  /// HALF_CLOSE): only the server's own deadline can end the call. Returns its status code.
  private func silentCall(_ method: String, timeout: String, probe: Probe) async throws -> UInt32 {
    let server = try await Harness.startServer(probe: probe)
    defer { Task { await server.shutDown() } }
    let raw = try await RawPeer.connect(port: server.port)
    let frames = try await raw.exchange(
      RawFrames.preface + RawFrames.settings
        + RawFrames.headers(stream: 1, path: method, metadata: [("grpc-timeout", timeout)])
    ) { RawFrames.trailers(of: 1, in: $0) != nil }
    return RawFrames.statusCode(try #require(RawFrames.trailers(of: 1, in: frames)))
  }

  @Test(
    "HEADERS with grpc-timeout and then nothing: the server answers DEADLINE_EXCEEDED",
    arguments: ["200m", "00000200m"]
  )
  func silentClient(timeout: String) async throws {
    let code = try await self.silentCall("/test.Echo/Get", timeout: timeout, probe: Probe())
    #expect(code == 4)  // DEADLINE_EXCEEDED
  }

  @Test("a handler still running at the deadline is cancelled and the call is DEADLINE_EXCEEDED")
  func handlerCancelled() async throws {
    let probe = Probe()
    let code = try await self.silentCall("/test.Echo/Sleep", timeout: "100m", probe: probe)
    #expect(code == 4)
    #expect(await probe.waitUntil { probe.cancelledCount >= 1 })
  }
}

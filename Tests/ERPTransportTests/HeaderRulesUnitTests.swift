import GRPCCore
import NIOCore
import Testing

@testable import ERPTransport

@Suite("Header rules and status truncation on their own")
struct HeaderRulesUnitTests {
  @Test("grpc-timeout parses only 1 to 8 ASCII digits and a unit")
  func timeoutFormat() {
    #expect(RequestHeaders.parseTimeout("100m") == .milliseconds(100))
    #expect(RequestHeaders.parseTimeout("99999999n") == .nanoseconds(99_999_999))
    #expect(RequestHeaders.parseTimeout("2H") == .hours(2))
    for bad in ["-1S", "+1S", "1", "m", "", "123456789S", "1 S", "١S", "1SS", "0x1S"] {
      #expect(RequestHeaders.parseTimeout(bad) == nil, "\(bad)")
    }
    // 99,999,999 hours overflows nanoseconds: clamped rather than trapping.
    #expect(RequestHeaders.parseTimeout("99999999H") == RequestHeaders.maxTimeout)
  }

  @Test("truncation never splits a character and marks the cut")
  func truncation() {
    let arabic = String(repeating: "ش", count: 100)  // 200 bytes
    let cut = StatusText.truncated(arabic, toBytes: 50)
    #expect(cut.utf8.count <= 50)
    #expect(cut.hasSuffix("…"))
    #expect(cut.dropLast().allSatisfy { $0 == "ش" })
    // 50 - 3 bytes of ellipsis leaves 47: 23 whole letters, not 23 and a half.
    #expect(cut.dropLast().count == 23)
    #expect(StatusText.truncated("short", toBytes: 50) == "short")
    #expect(StatusText.truncated("🙂🙂🙂", toBytes: 9) == "🙂…")
  }

  @Test("a status payload fits the limit, dropping metadata that would crowd out the message")
  func statusLimit() throws {
    let status = Status(code: .invalidArgument, message: String(repeating: "ش", count: 10_000))
    let small: Metadata = ["x-k": "v"]
    let payload = FramePayloads.status(status, metadata: small, limit: 4096)
    #expect(payload.readableBytes <= 4096)
    let (decoded, metadata) = try FramePayloads.parseStatus(payload)
    #expect(decoded.code == .invalidArgument)
    #expect(decoded.message.hasSuffix("…"))
    #expect(Array(metadata[stringValues: "x-k"]) == ["v"])

    let big: Metadata = ["x-big": "\(String(repeating: "a", count: 4000))"]
    let crowded = FramePayloads.status(status, metadata: big, limit: 4096)
    #expect(crowded.readableBytes <= 4096)
    #expect(try FramePayloads.parseStatus(crowded).1.isEmpty)

    // What fits is sent unchanged.
    let fits = FramePayloads.status(Status(code: .notFound, message: "no such customer"))
    #expect(try FramePayloads.parseStatus(fits).0.message == "no such customer")
  }

  @Test("an oversized HEADERS frame is reported and skipped, and decoding resumes after it")
  func decoderSkipsOversizedMetadata() throws {
    var decoder = FrameDecoder(maxFrameLength: 1024, maxMetadataSize: 100)
    var buffer = ByteBuffer(bytes: Preface.magic + [0, 1, 0, 0])
    _ = try decoder.decode(buffer: &buffer)  // The preface.
    Frame(type: .headers, streamID: 1, payload: ByteBuffer(repeating: 1, count: 500))
      .write(to: &buffer)
    Frame(type: .halfClose, streamID: 1, payload: ByteBuffer()).write(to: &buffer)
    guard case .oversizedMetadata(let header, let length)? = try decoder.decode(buffer: &buffer)
    else {
      Issue.record("expected the oversized HEADERS to be reported")
      return
    }
    #expect(header.streamID == 1 && length == 500)
    guard case .frame(let next)? = try decoder.decode(buffer: &buffer) else {
      Issue.record("expected the frame after the skipped one")
      return
    }
    #expect(next.type == .halfClose)
  }
}

import GRPCCore
import NIOCore
import Testing

@testable import ERPTransport

@Suite("Wire pieces on their own")
struct WireUnitTests {
  @Test("settings round-trip and unknown ids are ignored")
  func settings() throws {
    var limits = ERPTransport.Limits()
    limits.maxMessageSize = 12345
    var payload = limits.settings.encode()
    payload.writeInteger(UInt16(99))
    payload.writeInteger(UInt32(7))
    #expect(try Settings.decode(payload) == limits.settings)
  }

  @Test("a settings payload of the wrong length is refused")
  func badSettings() {
    #expect(throws: ProtocolViolation.self) { try Settings.decode(ByteBuffer(bytes: [0, 1, 0])) }
  }

  @Test("metadata round-trips text in any script and binary values")
  func metadata() throws {
    let metadata: Metadata = [
      "x-name": "أحمد", "x-blob-bin": .binary([0, 255, 10]), "bad key": "b",
    ]
    var buffer = ByteBuffer()
    MetadataBlock.write(metadata, to: &buffer)
    let decoded = try MetadataBlock.read(from: &buffer)
    #expect(Array(decoded[stringValues: "x-name"]) == ["أحمد"])
    #expect(Array(decoded[binaryValues: "x-blob-bin"]) == [[0, 255, 10]])
    // A key the peer would have to refuse is left out instead of failing the connection.
    #expect(decoded.count == 2)
  }

  @Test("the decoder refuses a length over the limit before buffering it")
  func decoderLimit() throws {
    var decoder = FrameDecoder(maxFrameLength: 100)
    var buffer = ByteBuffer(bytes: Array("ERPT".utf8) + [0, 1, 0, 0])
    #expect(try decoder.decode(buffer: &buffer) != nil)
    buffer.writeInteger(UInt32(101))
    buffer.writeBytes([2, 0, 0, 0, 0, 1])
    #expect(throws: ProtocolViolation.self) { try decoder.decode(buffer: &buffer) }
  }

  @Test("the outbound queue takes one frame per stream per turn, control frames first")
  func fairness() {
    var queue = OutboundQueue()
    for _ in 0..<3 { queue.append(Frame(type: .message, streamID: 1, payload: ByteBuffer())) }
    queue.append(Frame(type: .headers, streamID: 3, payload: ByteBuffer()))
    queue.append(Frame(type: .message, streamID: 3, payload: ByteBuffer()))
    queue.appendControl(Frame(type: .ping, streamID: 0, payload: ByteBuffer()))
    var order: [UInt32] = []
    while let frame = queue.next() { order.append(frame.streamID) }
    #expect(order == [0, 1, 3, 1, 3, 1])
  }

  @Test("dropping a stream's frames reports whether its opening HEADERS never left")
  func dropOpening() {
    var queue = OutboundQueue()
    queue.append(Frame(type: .headers, streamID: 5, payload: ByteBuffer()))
    let droppedOpening = queue.dropFrames(ofStream: 5)
    #expect(droppedOpening)
    #expect(queue.isEmpty)
    queue.append(Frame(type: .message, streamID: 7, payload: ByteBuffer()))
    let droppedMessageOnly = queue.dropFrames(ofStream: 7)
    #expect(!droppedMessageOnly)
  }

  @Test("backoff grows by the multiplier, stays under the cap, and jitters")
  func backoff() {
    var backoff = ERPTransport.Backoff()
    backoff.initial = .seconds(1)
    backoff.maximum = .seconds(10)
    backoff.jitter = 0
    #expect(backoff.delay(attempt: 1) == .seconds(1))
    #expect(backoff.delay(attempt: 2) == .milliseconds(1600))
    #expect(backoff.delay(attempt: 30) == .seconds(10))
    backoff.jitter = 0.2
    let samples = Set((0..<20).map { _ in backoff.delay(attempt: 1) })
    #expect(samples.count > 1)
    #expect(samples.allSatisfy { $0 >= .milliseconds(800) && $0 <= .milliseconds(1200) })
  }

  @Test("method paths parse only in the /service/method shape")
  func paths() {
    #expect(MethodPath.parse("/a.B/C")?.fullyQualifiedMethod == "a.B/C")
    for bad in ["", "/", "a.B/C", "/a.B", "/a.B/", "//C", "/a/b/c"] {
      #expect(MethodPath.parse(bad) == nil, "\(bad)")
    }
  }
}

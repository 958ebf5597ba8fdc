import GRPCCore
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import ERPTransport

/// The thin NIO handler and the connection driver over an `EmbeddedChannel`: real bytes in and
/// out of a pipeline, no socket, and time that moves only when the test says.
@Suite("Connection handler on an EmbeddedChannel")
struct HandlerEmbeddedTests {
  /// What a connection's callbacks reported.
  final class Events: Sendable {
    let log = NIOLockedValueBox<[String]>([])
    let accepted = NIOLockedValueBox<[AcceptedStream<ServerStreamContext>]>([])
    var all: [String] { self.log.withLockedValue { $0 } }
    func record(_ event: String) { self.log.withLockedValue { $0.append(event) } }
  }

  /// Decodes what the connection wrote.
  struct Wire {
    var decoder = FrameDecoder(maxFrameLength: 1 << 20)
    var pending = ByteBuffer()

    mutating func read(_ channel: EmbeddedChannel) throws -> [String] {
      try channel.embeddedEventLoop.run()
      while let chunk = try channel.readOutbound(as: ByteBuffer.self) {
        self.pending.writeImmutableBuffer(chunk)
      }
      var seen: [String] = []
      while let item = try self.decoder.decode(buffer: &self.pending) {
        switch item {
        case .preface: seen.append("preface")
        case .frame(let frame): seen.append(Describe.frame(frame))
        case .oversizedMetadata: seen.append("oversized")
        }
      }
      self.pending.discardReadBytes()
      return seen
    }
  }

  static func bytes(_ frames: [Frame], preface: Bool = false) -> ByteBuffer {
    var buffer = ByteBuffer()
    if preface { Preface.write(to: &buffer) }
    for frame in frames { frame.write(to: &buffer) }
    return buffer
  }

  static func pipeline<Machine>(
    _ channel: EmbeddedChannel,
    _ connection: Connection<Machine>
  ) throws {
    let limits = ERPTransport.Limits()
    try channel.pipeline.syncOperations.addHandler(
      ByteToMessageHandler(
        FrameDecoder(maxFrameLength: limits.maxFrameLength, maxMetadataSize: limits.maxMetadataSize)
      )
    )
    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(connection: connection))
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7000)).wait()
  }

  static func server(_ events: Events) throws -> (EmbeddedChannel, ServerConnection) {
    let channel = EmbeddedChannel()
    let connection = ServerConnection(
      channel: channel,
      limits: .init(),
      callbacks: .init(
        onStream: { accepted, _ in
          events.accepted.withLockedValue { $0.append(accepted) }
          events.record("stream \(accepted.id) \(accepted.descriptor.method)")
        },
        onReady: { _ in events.record("ready") },
        onClose: { _ in events.record("closed") }
      )
    )
    try Self.pipeline(channel, connection)
    return (channel, connection)
  }

  static func client(_ events: Events) throws -> (EmbeddedChannel, ClientConnection) {
    let channel = EmbeddedChannel()
    let connection = ClientConnection(
      channel: channel,
      limits: .init(),
      callbacks: .init(
        onReady: { _ in events.record("ready") },
        onGoAway: { _ in events.record("goingAway") },
        onClose: { _ in events.record("closed") }
      )
    )
    try Self.pipeline(channel, connection)
    return (channel, connection)
  }

  @Test("a server writes its preface, serves a stream and ends it with TRAILERS")
  func serverServesAStream() throws {
    let events = Events()
    let (channel, connection) = try Self.server(events)
    var wire = Wire()
    #expect(try wire.read(channel) == ["preface", "SETTINGS"])
    try channel.writeInbound(
      Self.bytes(
        [TestFrame.settings(), TestFrame.headers(1), TestFrame.message(1, 3)],
        preface: true
      )
    )
    #expect(events.all == ["ready", "stream 1 Get"])
    connection.endServerStream(1, status: Status(code: .ok, message: ""))
    #expect(try wire.read(channel) == ["TRAILERS(1 ok)"])
    #expect(channel.isActive)
  }

  /// NIO calls a handler through its protocol witnesses; a generic handler's witness runs
  /// unspecialized, and so did every frame through the state machines (the throughput regression
  /// at concurrency 64). The type in the pipeline must stay a plain class.
  @Test("the handler in the pipeline is not generic (NIO's calls reach specialized code)")
  func handlerIsNotGeneric() throws {
    let (channel, _) = try Self.server(Events())
    let handler = try channel.pipeline.syncOperations.handler(type: ConnectionHandler.self)
    #expect(String(reflecting: type(of: handler)) == "ERPTransport.ConnectionHandler")
  }

  @Test("a violation is answered with GOAWAY and the socket closes")
  func violationCloses() throws {
    let events = Events()
    let (channel, _) = try Self.server(events)
    var wire = Wire()
    _ = try wire.read(channel)
    // HEADERS before SETTINGS.
    try channel.writeInbound(Self.bytes([TestFrame.headers(1)], preface: true))
    #expect(try wire.read(channel) == ["GOAWAY(0 protocolError)"])
    #expect(!channel.isActive)
    #expect(events.all == ["closed"])
  }

  @Test("a bad preface is a violation too (the decoder's error reaches the machine)")
  func badPreface() throws {
    let events = Events()
    let (channel, _) = try Self.server(events)
    var wire = Wire()
    _ = try wire.read(channel)
    // The handler takes the decoder's error; nothing reaches the end of the pipeline.
    try? channel.writeInbound(ByteBuffer(string: "HTTP/1.1 GET /\r\n"))
    #expect(try wire.read(channel) == ["GOAWAY(0 protocolError)"])
    #expect(!channel.isActive)
  }

  @Test("an idle connection drains in two phases and closes")
  func idleDrain() throws {
    let events = Events()
    let (channel, connection) = try Self.server(events)
    var wire = Wire()
    _ = try wire.read(channel)
    try channel.writeInbound(Self.bytes([TestFrame.settings()], preface: true))
    connection.idleTimerFired(timeout: .zero)
    #expect(try wire.read(channel) == ["GOAWAY(2147483647 noError)", "PING DRAINING"])
    #expect(channel.isActive)
    try channel.writeInbound(Self.bytes([TestFrame.ping(ack: true, Array("DRAINING".utf8))]))
    #expect(try wire.read(channel) == ["GOAWAY(0 noError)"])
    #expect(!channel.isActive)
    #expect(events.all == ["ready", "closed"])
  }

  @Test("a client that never answers the drain PING is drained by the timer")
  func drainTimer() throws {
    let events = Events()
    let (channel, connection) = try Self.server(events)
    var wire = Wire()
    _ = try wire.read(channel)
    try channel.writeInbound(Self.bytes([TestFrame.settings()], preface: true))
    connection.beginDraining(reason: "shutting down")
    #expect(try wire.read(channel) == ["GOAWAY(2147483647 noError)", "PING DRAINING"])
    channel.embeddedEventLoop.advanceTime(by: .seconds(4))
    #expect(try wire.read(channel).isEmpty)
    channel.embeddedEventLoop.advanceTime(by: .seconds(1))
    #expect(try wire.read(channel) == ["GOAWAY(0 noError)"])
    #expect(!channel.isActive)
  }

  @Test("losing the socket fails the stream's reader and cancels its handler")
  func lossCancelsHandler() async throws {
    let events = Events()
    let (channel, connection) = try Self.server(events)
    var wire = Wire()
    _ = try wire.read(channel)
    try channel.writeInbound(
      Self.bytes([TestFrame.settings(), TestFrame.headers(1)], preface: true)
    )
    let accepted = try #require(events.accepted.withLockedValue { $0.first })
    let handler = Task { _ = try? await Task.sleep(for: .seconds(600)) }
    connection.attach(handler, toStream: 1)
    try channel.close().wait()
    #expect(events.all == ["ready", "stream 1 Get", "closed"])
    // The sleep ends because the task was cancelled, not because ten minutes passed.
    await handler.value
    #expect(handler.isCancelled)
    let inbound = accepted.context.inbound
    guard case .metadata = try await inbound.next() else {
      Issue.record("the request metadata comes first")
      return
    }
    let error = await #expect(throws: RPCError.self) { _ = try await inbound.next() }
    #expect(error?.code == .unavailable)
  }

  @Test("a client call: HEADERS out, response parts in, in order")
  func clientCall() async throws {
    let events = Events()
    let (channel, connection) = try Self.client(events)
    var wire = Wire()
    #expect(try wire.read(channel) == ["preface", "SETTINGS"])
    try channel.writeInbound(Self.bytes([TestFrame.settings()], preface: true))
    #expect(events.all == ["ready"])
    let slot = connection.state.withLockedValue { $0.machine.acquireSlot() }
    #expect(slot == .acquired)
    let sink = InboundQueue<RPCResponsePart<ERPTransport.Bytes>>(
      size: { _ in 0 },
      consumed: { _ in }
    )
    let id = try connection.openStream(path: "/test.Echo/Get", metadata: [:], sink: sink)
    #expect(id == 1)
    #expect(try wire.read(channel) == ["HEADERS(1)"])
    try channel.writeInbound(
      Self.bytes([TestFrame.responseHeaders(1), TestFrame.message(1, 3), TestFrame.trailers(1)])
    )
    connection.endClientStream(1, reason: "call finished")
    // The server finished the stream: nothing to reset.
    #expect(try wire.read(channel).isEmpty)
    var parts: [String] = []
    while let part = try await sink.next() {
      switch part {
      case .metadata: parts.append("metadata")
      case .message(let bytes): parts.append("message \(bytes.count)")
      case .status(let status, _): parts.append("status \(status.code)")
      }
    }
    #expect(parts == ["metadata", "message 3", "status ok"])
  }

  @Test("keepalive closes a connection whose PING went unanswered")
  func keepalive() throws {
    let events = Events()
    let (channel, connection) = try Self.client(events)
    var wire = Wire()
    _ = try wire.read(channel)
    try channel.writeInbound(Self.bytes([TestFrame.settings()], preface: true))
    connection.keepaliveTimerFired()
    #expect(try wire.read(channel) == ["PING"])
    try channel.writeInbound(Self.bytes([TestFrame.ping(ack: true)]))
    connection.keepaliveTimerFired()
    #expect(try wire.read(channel) == ["PING"])
    #expect(channel.isActive)
    connection.keepaliveTimerFired()
    #expect(!channel.isActive)
    #expect(events.all == ["ready", "closed"])
  }
}

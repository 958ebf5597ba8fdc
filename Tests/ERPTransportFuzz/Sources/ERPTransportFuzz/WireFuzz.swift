import GRPCCore
import NIOCore
import NIOEmbedded

@testable import ERPTransport

/// Feeds one input, as the bytes a peer sends after its preface, to the pieces that parse what
/// a peer sends: the frame decoder and every payload parser on their own, then a server and a
/// client connection whole. Nothing may trap; the invariants below are checked with
/// `precondition`, so a violation is a crash libFuzzer reports.
enum WireFuzz {
  static func run(_ input: [UInt8]) {
    Self.decodeAndParse(input)
    Self.serverReceives(input)
    Self.clientReceives(input)
  }

  /// The decoder and each payload parser, plus the header rules and the status truncation.
  static func decodeAndParse(_ input: [UInt8]) {
    var decoder = FrameDecoder(maxFrameLength: 16_384, maxMetadataSize: 4096)
    var buffer = ByteBuffer(bytes: Preface.magic + [0, 1, 0, 0] + input)
    while let item = try? decoder.decode(buffer: &buffer) {
      guard case .frame(let frame) = item else { continue }
      if let (path, metadata) = try? FramePayloads.parseRequestHeaders(frame.payload) {
        _ = MethodPath.parse(path)
        Self.checkHeaderRules(metadata)
      }
      if let (status, metadata) = try? FramePayloads.parseStatus(frame.payload) {
        Self.checkTruncation(status, metadata, limit: Int(frame.flags) * 16)
      }
      var payload = frame.payload
      _ = try? MetadataBlock.read(from: &payload)
      _ = try? Settings.decode(frame.payload)
      _ = try? FramePayloads.parseGoAway(frame.payload)
      _ = try? FramePayloads.parseWindowUpdate(frame.payload)
    }
  }

  private static func checkHeaderRules(_ metadata: Metadata) {
    switch RequestHeaders.validate(metadata) {
    case .success(let timeout?):
      precondition(timeout.nanoseconds >= 0 && timeout <= RequestHeaders.maxTimeout)
    case .success(nil), .failure:
      break
    }
  }

  /// A status payload built for a limit never exceeds it (beyond the fixed 8 bytes) and its
  /// message is a prefix of the original on a character boundary.
  private static func checkTruncation(_ status: Status, _ metadata: Metadata, limit: Int) {
    let payload = FramePayloads.status(status, metadata: metadata, limit: limit)
    precondition(payload.readableBytes <= max(limit, 8))
    guard let (decoded, _) = try? FramePayloads.parseStatus(payload) else {
      preconditionFailure("a status payload we built does not parse")
    }
    var message = decoded.message
    if message != status.message, message.hasSuffix(StatusText.ellipsis) {
      message.removeLast()
    }
    precondition(status.message.utf8.starts(with: message.utf8))
  }

  /// A server connection: the input follows a valid preface and SETTINGS.
  static func serverReceives(_ input: [UInt8]) {
    let channel = EmbeddedChannel()
    let connection = ServerConnection(
      channel: channel,
      limits: ERPTransport.Limits(),
      callbacks: ServerConnection.Callbacks(
        onStream: { accepted, connection in
          // Answer at once with a long message, so the truncation runs on every stream.
          connection.endServerStream(
            accepted.id,
            status: Status(code: .invalidArgument, message: Self.longArabic)
          )
        }
      )
    )
    Self.drive(channel, connection, peerPrefix: Self.clientHello, input)
  }

  /// A client connection with three streams open: the input follows the server's preface and
  /// SETTINGS, as a hostile server's answers.
  static func clientReceives(_ input: [UInt8]) {
    let channel = EmbeddedChannel()
    let connection = ClientConnection(
      channel: channel,
      limits: ERPTransport.Limits(),
      callbacks: ClientConnection.Callbacks()
    )
    Self.drive(channel, connection, peerPrefix: Self.clientHello, input) {
      for _ in 0..<3 {
        // As `acquireSlot` does when a slot is free, without suspending.
        guard connection.state.withLockedValue({ $0.machine.acquireSlot() }) == .acquired else {
          return
        }
        let sink = InboundQueue<RPCResponsePart<ERPTransport.Bytes>>(
          size: { _ in 0 },
          consumed: { _ in }
        )
        _ = try? connection.openStream(path: "/test.Echo/Get", metadata: [:], sink: sink)
      }
    }
  }

  private static func drive<Machine: ConnectionStateMachine>(
    _ channel: EmbeddedChannel,
    _ connection: Connection<Machine>,
    peerPrefix: [UInt8],
    _ input: [UInt8],
    afterHandshake: () -> Void = {}
  ) {
    let decoder = FrameDecoder(maxFrameLength: 16_384, maxMetadataSize: 16_384)
    try! channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
    try! channel.pipeline.syncOperations.addHandler(ConnectionHandler(connection: connection))
    channel.pipeline.fireChannelActive()
    try? channel.writeInbound(ByteBuffer(bytes: peerPrefix))
    afterHandshake()
    try? channel.writeInbound(ByteBuffer(bytes: input))
    channel.embeddedEventLoop.run()
    _ = try? channel.finish()
  }

  /// A peer's preface and an empty SETTINGS frame (protocol defaults).
  static let clientHello: [UInt8] = Preface.magic + [0, 1, 0, 0] + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
  static let longArabic = String(repeating: "ش", count: 10_000)
}

import NIOCore

/// What a peer announces in its SETTINGS frame: the limits it enforces on what it receives.
///
/// Payload: a sequence of (id u16, value u32) pairs. Unknown ids are ignored.
struct Settings: Sendable, Equatable {
  /// Streams the sender lets its peer have open at once on this connection.
  var maxConcurrentStreams: UInt32
  /// Bytes of messages the sender buffers per stream before the peer must wait for credit.
  var initialWindowSize: UInt32
  /// Largest MESSAGE frame payload the sender accepts.
  var maxFrameSize: UInt32
  /// Largest whole message the sender accepts.
  var maxMessageSize: UInt32
  /// Largest HEADERS or TRAILERS payload the sender accepts.
  var maxMetadataSize: UInt32

  enum ID: UInt16 {
    case maxConcurrentStreams = 1
    case initialWindowSize = 2
    case maxFrameSize = 3
    case maxMessageSize = 4
    case maxMetadataSize = 5
  }

  /// What a peer is assumed to have announced until its SETTINGS arrive.
  static let protocolDefaults = Settings(
    maxConcurrentStreams: 100,
    initialWindowSize: 65_536,
    maxFrameSize: 16_384,
    maxMessageSize: 4 * 1024 * 1024,
    maxMetadataSize: 16_384
  )

  func encode() -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.reserveCapacity(30)
    for (id, value) in [
      (ID.maxConcurrentStreams, self.maxConcurrentStreams),
      (.initialWindowSize, self.initialWindowSize),
      (.maxFrameSize, self.maxFrameSize),
      (.maxMessageSize, self.maxMessageSize),
      (.maxMetadataSize, self.maxMetadataSize),
    ] {
      buffer.writeInteger(id.rawValue)
      buffer.writeInteger(value)
    }
    return buffer
  }

  static func decode(_ payload: ByteBuffer) throws(ProtocolViolation) -> Settings {
    var payload = payload
    guard payload.readableBytes % 6 == 0 else {
      throw ProtocolViolation(.protocolError, "SETTINGS payload length is not a multiple of 6")
    }
    var settings = Settings.protocolDefaults
    while let id = payload.readInteger(as: UInt16.self),
      let value = payload.readInteger(as: UInt32.self)
    {
      switch ID(rawValue: id) {
      case .maxConcurrentStreams: settings.maxConcurrentStreams = value
      case .initialWindowSize: settings.initialWindowSize = value
      case .maxFrameSize:
        guard value >= 1024 else {
          throw ProtocolViolation(.protocolError, "SETTINGS max frame size \(value) is below 1024")
        }
        settings.maxFrameSize = value
      case .maxMessageSize: settings.maxMessageSize = value
      case .maxMetadataSize: settings.maxMetadataSize = value
      case nil: continue
      }
    }
    return settings
  }
}

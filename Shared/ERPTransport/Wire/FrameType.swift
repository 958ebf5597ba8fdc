/// The kinds of frame on the wire. Unknown kinds are ignored by receivers so the protocol can grow.
enum FrameType: UInt8, Sendable, CustomStringConvertible {
  case settings = 0x0
  case headers = 0x1
  case message = 0x2
  case halfClose = 0x3
  case trailers = 0x4
  case rstStream = 0x5
  case windowUpdate = 0x6
  case ping = 0x7
  case goAway = 0x8

  var description: String {
    switch self {
    case .settings: "SETTINGS"
    case .headers: "HEADERS"
    case .message: "MESSAGE"
    case .halfClose: "HALF_CLOSE"
    case .trailers: "TRAILERS"
    case .rstStream: "RST_STREAM"
    case .windowUpdate: "WINDOW_UPDATE"
    case .ping: "PING"
    case .goAway: "GOAWAY"
    }
  }
}

/// Bits of a frame header's flags byte.
enum FrameFlags {
  /// On MESSAGE: this chunk is the last of its message.
  static let endMessage: UInt8 = 0x1
  /// On PING: this is the answer to a ping.
  static let ack: UInt8 = 0x1
}

/// Connection-level error codes carried by GOAWAY. A drain (shutdown or idleness) is graceful and
/// carries `noError` with its reason in text; 4 and 5 are reserved.
enum GoAwayCode: UInt32, Sendable {
  case noError = 0
  case protocolError = 1
  case frameSizeError = 2
  case unsupportedVersion = 3
  case flowControlError = 6
  case internalError = 7
}

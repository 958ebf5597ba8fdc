import NIOCore

/// The 8 bytes each side sends first: `"ERPT"`, a big-endian u16 protocol version, two zero bytes.
enum Preface {
  static let magic: [UInt8] = Array("ERPT".utf8)
  static let version: UInt16 = 1
  static let size = 8

  static func write(to buffer: inout ByteBuffer) {
    buffer.writeBytes(Self.magic)
    buffer.writeInteger(Self.version)
    buffer.writeInteger(UInt16(0))
  }

  /// Checks a received preface; the error says why it is refused.
  static func validate(_ bytes: ByteBufferView) throws(ProtocolViolation) {
    let array = Array(bytes)
    guard array.count == Self.size, Array(array[0..<4]) == Self.magic else {
      throw ProtocolViolation(.protocolError, "bad connection preface: expected \"ERPT\" magic")
    }
    let version = UInt16(array[4]) << 8 | UInt16(array[5])
    guard version == Self.version else {
      throw ProtocolViolation(
        .unsupportedVersion,
        "unsupported protocol version \(version); this peer speaks version \(Self.version)"
      )
    }
  }
}

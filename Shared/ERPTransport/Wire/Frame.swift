import NIOCore

/// One frame as it travels: a 10-byte header followed by `payload`.
///
/// ```
/// +----------------+--------+--------+----------------+----------------
/// | length (u32)   | type u8| flags  | stream id (u32)| payload ...
/// +----------------+--------+--------+----------------+----------------
/// ```
/// All integers are big-endian. `length` counts the payload only.
struct Frame: Sendable {
  static let headerSize = 10

  /// The raw type byte; `FrameType(rawValue:)` is nil for kinds this version does not know.
  var typeByte: UInt8
  var flags: UInt8
  var streamID: UInt32
  var payload: ByteBuffer

  var type: FrameType? { FrameType(rawValue: self.typeByte) }

  init(type: FrameType, flags: UInt8 = 0, streamID: UInt32, payload: ByteBuffer) {
    self.typeByte = type.rawValue
    self.flags = flags
    self.streamID = streamID
    self.payload = payload
  }

  init(typeByte: UInt8, flags: UInt8, streamID: UInt32, payload: ByteBuffer) {
    self.typeByte = typeByte
    self.flags = flags
    self.streamID = streamID
    self.payload = payload
  }

  /// Bytes this frame occupies on the wire.
  var wireSize: Int { Self.headerSize + self.payload.readableBytes }

  func write(to buffer: inout ByteBuffer) {
    buffer.writeInteger(UInt32(self.payload.readableBytes))
    buffer.writeInteger(self.typeByte)
    buffer.writeInteger(self.flags)
    buffer.writeInteger(self.streamID)
    buffer.writeImmutableBuffer(self.payload)
  }
}

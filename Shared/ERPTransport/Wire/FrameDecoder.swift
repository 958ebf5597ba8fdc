import NIOCore

/// Cuts the inbound byte stream into a preface and then frames.
///
/// It never trusts a length before checking it against `maxFrameLength`, so a hostile peer cannot
/// make it buffer more than one bounded frame. HEADERS and TRAILERS are held to
/// `maxMetadataSize`; one above it (up to ``maxSkippedMetadata``) is not a connection error but
/// is reported as ``Item/oversizedMetadata(_:length:)`` and its payload skipped as it arrives,
/// never buffered, so only that frame's stream fails (wire spec §5).
struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
  enum Item: Sendable {
    case preface
    case frame(Frame)
    /// A HEADERS or TRAILERS frame above the metadata limit: its header, with an empty payload.
    case oversizedMetadata(Frame, length: Int)
  }
  typealias InboundOut = Item

  /// The largest metadata frame that is skipped rather than failing the connection.
  static let maxSkippedMetadata = 1 << 20

  private var sawPreface = false
  /// Payload bytes of an oversized metadata frame still to be discarded.
  private var skipping = 0
  let maxFrameLength: Int
  let maxMetadataSize: Int

  init(maxFrameLength: Int, maxMetadataSize: Int? = nil) {
    self.maxFrameLength = maxFrameLength
    self.maxMetadataSize = min(maxMetadataSize ?? maxFrameLength, maxFrameLength)
  }

  mutating func decode(buffer: inout ByteBuffer) throws -> Item? {
    if !self.sawPreface {
      guard let bytes = buffer.readSlice(length: Preface.size) else {
        // Refuse a wrong magic as soon as the bytes we have disagree with it.
        let seen = buffer.readableBytesView.prefix(Preface.magic.count)
        if !Preface.magic.starts(with: seen) {
          throw ProtocolViolation(.protocolError, "bad connection preface: expected \"ERPT\" magic")
        }
        return nil
      }
      try Preface.validate(bytes.readableBytesView)
      self.sawPreface = true
      return .preface
    }
    if self.skipping > 0 {
      let skipped = min(self.skipping, buffer.readableBytes)
      buffer.moveReaderIndex(forwardBy: skipped)
      self.skipping -= skipped
      if self.skipping > 0 { return nil }
    }
    guard buffer.readableBytes >= Frame.headerSize else { return nil }
    let start = buffer.readerIndex
    let length = Int(buffer.getInteger(at: start, as: UInt32.self)!)
    let type = buffer.getInteger(at: start + 4, as: UInt8.self)!
    let isMetadata = type == FrameType.headers.rawValue || type == FrameType.trailers.rawValue
    if isMetadata, length > self.maxMetadataSize, length <= Self.maxSkippedMetadata {
      let flags = buffer.getInteger(at: start + 5, as: UInt8.self)!
      let streamID = buffer.getInteger(at: start + 6, as: UInt32.self)!
      buffer.moveReaderIndex(forwardBy: Frame.headerSize)
      self.skipping = length
      let header = Frame(typeByte: type, flags: flags, streamID: streamID, payload: ByteBuffer())
      return .oversizedMetadata(header, length: length)
    }
    guard length <= self.maxFrameLength else {
      throw ProtocolViolation(
        .frameSizeError,
        "frame length \(length) exceeds the limit of \(self.maxFrameLength) bytes"
      )
    }
    guard buffer.readableBytes >= Frame.headerSize + length else { return nil }
    let flags = buffer.getInteger(at: start + 5, as: UInt8.self)!
    let streamID = buffer.getInteger(at: start + 6, as: UInt32.self)!
    buffer.moveReaderIndex(forwardBy: Frame.headerSize)
    let payload = buffer.readSlice(length: length)!
    return .frame(Frame(typeByte: type, flags: flags, streamID: streamID, payload: payload))
  }

  mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Item? {
    try self.decode(buffer: &buffer)
  }
}

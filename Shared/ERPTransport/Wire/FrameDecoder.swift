import NIOCore

/// Cuts the inbound byte stream into a preface and then frames.
///
/// It never trusts a length before checking it against `maxFrameLength`, so a hostile peer cannot
/// make it buffer more than one bounded frame.
struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
  enum Item: Sendable {
    case preface
    case frame(Frame)
  }
  typealias InboundOut = Item

  private var sawPreface = false
  let maxFrameLength: Int

  init(maxFrameLength: Int) {
    self.maxFrameLength = maxFrameLength
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
    guard buffer.readableBytes >= Frame.headerSize else { return nil }
    let start = buffer.readerIndex
    let length = Int(buffer.getInteger(at: start, as: UInt32.self)!)
    guard length <= self.maxFrameLength else {
      throw ProtocolViolation(
        .frameSizeError,
        "frame length \(length) exceeds the limit of \(self.maxFrameLength) bytes"
      )
    }
    guard buffer.readableBytes >= Frame.headerSize + length else { return nil }
    let type = buffer.getInteger(at: start + 4, as: UInt8.self)!
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

import GRPCCore
import NIOCore

/// Builders and parsers for each frame kind's payload (layouts in `proto/transport/README.md`).
enum FramePayloads {
  // MARK: HEADERS

  /// Client to server: path length (u16), path `/package.Service/Method`, metadata block.
  static func requestHeaders(path: String, metadata: Metadata) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(UInt16(path.utf8.count))
    buffer.writeString(path)
    MetadataBlock.write(metadata, to: &buffer)
    return buffer
  }

  static func parseRequestHeaders(
    _ payload: ByteBuffer
  ) throws(ProtocolViolation) -> (path: String, metadata: Metadata) {
    var payload = payload
    guard let length = payload.readInteger(as: UInt16.self),
      let path = payload.readString(length: Int(length))
    else {
      throw ProtocolViolation(.protocolError, "truncated HEADERS: missing method path")
    }
    return (path, try MetadataBlock.read(from: &payload))
  }

  /// Server to client: a metadata block alone.
  static func responseHeaders(metadata: Metadata) -> ByteBuffer {
    var buffer = ByteBuffer()
    MetadataBlock.write(metadata, to: &buffer)
    return buffer
  }

  // MARK: TRAILERS and RST_STREAM

  /// Status code (u32), message length (u32), message (UTF-8), then (TRAILERS only) metadata.
  ///
  /// The payload never exceeds `limit` (the peer's MAX_METADATA_SIZE), because a frame above it
  /// would cost the peer more than this stream: trailing metadata that leaves less than 1 KiB
  /// for the message is dropped, and the message is cut on a character boundary to fit (wire
  /// spec §3.5). The common case, a status that fits, costs one size computation.
  static func status(_ status: Status, metadata: Metadata = [:], limit: Int = .max) -> ByteBuffer {
    let fixed = 8
    var messageBytes = status.message.utf8.count
    var metadataBytes = metadata.isEmpty ? 0 : MetadataBlock.encodedSize(metadata)
    var message = status.message
    if fixed + messageBytes + metadataBytes > limit {
      if fixed + metadataBytes + min(messageBytes, 1024) > limit { metadataBytes = 0 }
      message = StatusText.truncated(message, toBytes: max(0, limit - fixed - metadataBytes))
      messageBytes = message.utf8.count
    }
    var buffer = ByteBuffer()
    buffer.reserveCapacity(fixed + messageBytes + metadataBytes)
    buffer.writeInteger(UInt32(status.code.rawValue))
    buffer.writeInteger(UInt32(messageBytes))
    buffer.writeString(message)
    if metadataBytes > 0 { MetadataBlock.write(metadata, to: &buffer) }
    return buffer
  }

  static func parseStatus(
    _ payload: ByteBuffer
  ) throws(ProtocolViolation) -> (Status, Metadata) {
    var payload = payload
    guard let rawCode = payload.readInteger(as: UInt32.self),
      let length = payload.readInteger(as: UInt32.self),
      let message = payload.readString(length: Int(length))
    else {
      throw ProtocolViolation(.protocolError, "truncated status payload")
    }
    // An unknown code is UNKNOWN, as gRPC does for any status it cannot interpret.
    let code = Status.Code(rawValue: Int(rawCode)) ?? .unknown
    return (Status(code: code, message: message), try MetadataBlock.read(from: &payload))
  }

  // MARK: Control frames

  static func windowUpdate(_ increment: UInt32) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(increment)
    return buffer
  }

  static func parseWindowUpdate(_ payload: ByteBuffer) throws(ProtocolViolation) -> UInt32 {
    guard payload.readableBytes == 4,
      let value = payload.getInteger(at: payload.readerIndex, as: UInt32.self),
      value > 0
    else {
      throw ProtocolViolation(.protocolError, "WINDOW_UPDATE must carry one non-zero u32")
    }
    return value
  }

  /// Last stream id the sender processed or will process (u32), code (u32), reason (UTF-8).
  static func goAway(lastStreamID: UInt32, code: GoAwayCode, reason: String) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(lastStreamID)
    buffer.writeInteger(code.rawValue)
    buffer.writeString(reason)
    return buffer
  }

  static func parseGoAway(
    _ payload: ByteBuffer
  ) throws(ProtocolViolation) -> (lastStreamID: UInt32, code: UInt32, reason: String) {
    var payload = payload
    guard let last = payload.readInteger(as: UInt32.self),
      let code = payload.readInteger(as: UInt32.self)
    else {
      throw ProtocolViolation(.protocolError, "truncated GOAWAY")
    }
    let reason = payload.readString(length: payload.readableBytes) ?? ""
    return (last, code, reason)
  }
}

extension Frame {
  /// A GOAWAY frame (stream 0): the last stream the sender processes, a code, and a reason.
  static func goAway(lastStreamID: UInt32, code: GoAwayCode, reason: String) -> Frame {
    Frame(
      type: .goAway,
      streamID: 0,
      payload: FramePayloads.goAway(lastStreamID: lastStreamID, code: code, reason: reason)
    )
  }
}

import GRPCCore
import NIOCore

/// Encodes GRPCCore `Metadata` as a block of entries: key length (u16), key (ASCII), value length
/// (u32), value. A key ending in `-bin` carries raw bytes; any other key carries UTF-8 text.
enum MetadataBlock {
  /// Writes every entry whose key is printable ASCII, lowercased. An entry with an invalid key is
  /// left out rather than sent, since the peer would have to fail the whole connection over it.
  static func write(_ metadata: Metadata, to buffer: inout ByteBuffer) {
    for entry in metadata {
      let key = entry.key.lowercased()
      guard Self.isValidKey(key) else { continue }
      buffer.writeInteger(UInt16(key.utf8.count))
      buffer.writeString(key)
      switch entry.value {
      case .string(let value):
        buffer.writeInteger(UInt32(value.utf8.count))
        buffer.writeString(value)
      case .binary(let value):
        buffer.writeInteger(UInt32(value.count))
        buffer.writeBytes(value)
      }
    }
  }

  /// The bytes `write` produces for `metadata`.
  static func encodedSize(_ metadata: Metadata) -> Int {
    var size = 0
    for entry in metadata {
      // Lowercasing a valid (ASCII) key keeps its length, so only other keys need the copy.
      let key = Self.isValidKey(entry.key) ? entry.key : entry.key.lowercased()
      guard Self.isValidKey(key) else { continue }
      switch entry.value {
      case .string(let value): size += 6 + key.utf8.count + value.utf8.count
      case .binary(let value): size += 6 + key.utf8.count + value.count
      }
    }
    return size
  }

  /// Reads entries until the buffer is empty.
  static func read(from buffer: inout ByteBuffer) throws(ProtocolViolation) -> Metadata {
    var metadata = Metadata()
    while buffer.readableBytes > 0 {
      guard let keyLength = buffer.readInteger(as: UInt16.self),
        let key = buffer.readString(length: Int(keyLength)),
        let valueLength = buffer.readInteger(as: UInt32.self),
        let value = buffer.readSlice(length: Int(valueLength))
      else {
        throw ProtocolViolation(.protocolError, "truncated metadata entry")
      }
      guard Self.isValidKey(key) else {
        throw ProtocolViolation(.protocolError, "metadata key is not printable ASCII")
      }
      let lowered = key.lowercased()
      if lowered.hasSuffix("-bin") {
        metadata.addBinary(Array(value.readableBytesView), forKey: lowered)
      } else {
        guard let text = value.getString(at: value.readerIndex, length: value.readableBytes),
          text.utf8.elementsEqual(value.readableBytesView)
        else {
          throw ProtocolViolation(
            .protocolError,
            "metadata value of \"\(StatusText.quoted(lowered))\" is not UTF-8"
          )
        }
        metadata.addString(text, forKey: lowered)
      }
    }
    return metadata
  }

  static func isValidKey(_ key: String) -> Bool {
    !key.isEmpty && key.utf8.count <= Int(UInt16.max)
      && key.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
  }
}

/// Reads one string field out of a serialized protobuf message without its type, by a path of
/// field numbers (the last a string field, the others singular message fields): what the audit
/// trail needs from forwarded bytes (``AuditedRecord``). The last occurrence of a field wins, as
/// in protobuf's own decoding; a malformed message yields nil, never a crash.
enum ProtoWire {
  static func string(at path: [Int], in bytes: [UInt8]) -> String? {
    guard let first = path.first else { return nil }
    var found: ArraySlice<UInt8>? = nil
    var reader = Reader(bytes: bytes[...])
    while !reader.atEnd {
      guard let key = reader.varint() else { return nil }
      let number = Int(key >> 3)
      switch key & 7 {
      case 0: guard reader.varint() != nil else { return nil }
      case 1: guard reader.skip(8) else { return nil }
      case 5: guard reader.skip(4) else { return nil }
      case 2:
        guard let length = reader.varint(), let value = reader.take(Int(clamping: length)) else {
          return nil
        }
        if number == first { found = value }
      default: return nil  // groups: not in our contracts
      }
    }
    guard let found else { return nil }
    if path.count == 1 { return String(validating: found, as: UTF8.self) }
    return Self.string(at: Array(path.dropFirst()), in: Array(found))
  }

  private struct Reader {
    var bytes: ArraySlice<UInt8>

    var atEnd: Bool { self.bytes.isEmpty }

    mutating func varint() -> UInt64? {
      var value: UInt64 = 0
      var shift: UInt64 = 0
      while let byte = self.bytes.first, shift < 64 {
        self.bytes.removeFirst()
        value |= UInt64(byte & 0x7f) << shift
        if byte & 0x80 == 0 { return value }
        shift += 7
      }
      return nil
    }

    mutating func skip(_ count: Int) -> Bool { self.take(count) != nil }

    mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
      guard count >= 0, count <= self.bytes.count else { return nil }
      defer { self.bytes.removeFirst(count) }
      return self.bytes.prefix(count)
    }
  }
}

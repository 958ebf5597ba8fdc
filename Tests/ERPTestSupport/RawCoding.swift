public import GRPCCore

/// Messages as raw bytes, so the tests exercise the transport without protobuf.
public struct RawSerializer: MessageSerializer {
  public init() {}

  public func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
    Bytes(message)
  }
}

public struct RawDeserializer: MessageDeserializer {
  public init() {}

  public func deserialize<Bytes: GRPCContiguousBytes>(
    _ serializedMessageBytes: Bytes
  ) throws -> [UInt8] {
    serializedMessageBytes.withUnsafeBytes { Array($0) }
  }
}

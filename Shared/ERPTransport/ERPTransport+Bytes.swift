public import GRPCCore
public import NIOCore

extension ERPTransport {
  /// The transport's bag of bytes: a `ByteBuffer`, so a received message reaches the deserializer
  /// without a copy.
  public struct Bytes: GRPCContiguousBytes, Sendable, Hashable {
    public var buffer: ByteBuffer

    public init(_ buffer: ByteBuffer) {
      self.buffer = buffer
    }

    public init(repeating byte: UInt8, count: Int) {
      self.buffer = ByteBuffer(repeating: byte, count: count)
    }

    public init<S: Sequence>(_ sequence: S) where S.Element == UInt8 {
      self.buffer = ByteBuffer(bytes: sequence)
    }

    public var count: Int { self.buffer.readableBytes }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
      try self.buffer.withUnsafeReadableBytes(body)
    }

    public mutating func withUnsafeMutableBytes<R>(
      _ body: (UnsafeMutableRawBufferPointer) throws -> R
    ) rethrows -> R {
      try self.buffer.withUnsafeMutableReadableBytes(body)
    }
  }
}

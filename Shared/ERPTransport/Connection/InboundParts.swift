import GRPCCore

/// A stream's inbound parts as GRPCCore reads them; taking a message returns its bytes as
/// flow-control credit to the peer, so a slow reader holds back its sender and nobody else.
struct InboundParts<Part: Sendable>: AsyncSequence, Sendable {
  typealias Element = Part
  typealias Failure = any Error

  let base: AsyncThrowingStream<Part, any Error>
  /// Bytes of the message a part carries, or 0.
  let size: @Sendable (Part) -> Int
  let consumed: @Sendable (Int) -> Void

  struct AsyncIterator: AsyncIteratorProtocol {
    var base: AsyncThrowingStream<Part, any Error>.AsyncIterator
    let size: @Sendable (Part) -> Int
    let consumed: @Sendable (Int) -> Void

    mutating func next() async throws -> Part? {
      guard let part = try await self.base.next() else { return nil }
      self.consumed(self.size(part))
      return part
    }
  }

  func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: self.base.makeAsyncIterator(), size: self.size, consumed: self.consumed)
  }
}

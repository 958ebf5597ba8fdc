import GRPCCore
import NIOConcurrencyHelpers
import SwiftProtobuf

/// A call's first request message and first answer, serialized, kept as the call passes through
/// the access interceptor so that its audit row can name the record touched (``AuditedRecord``).
/// Forwarded calls carry the bytes as they are; the gateway's own services' typed messages are
/// serialized (small: those are the views and the audit's own reads).
final class AuditCapture: Sendable {
  private let first = NIOLockedValueBox<(request: [UInt8]?, answer: [UInt8]?)>((nil, nil))

  var request: [UInt8]? { self.first.withLockedValue { $0.request } }
  var answer: [UInt8]? { self.first.withLockedValue { $0.answer } }

  func note(request message: some Sendable) {
    guard self.request == nil, let bytes = Self.bytes(message) else { return }
    self.first.withLockedValue { if $0.request == nil { $0.request = bytes } }
  }

  func note(answer message: some Sendable) {
    guard self.answer == nil, let bytes = Self.bytes(message) else { return }
    self.first.withLockedValue { if $0.answer == nil { $0.answer = bytes } }
  }

  private static func bytes(_ message: Any) -> [UInt8]? {
    if let bytes = message as? [UInt8] { return bytes }
    return try? (message as? any SwiftProtobuf.Message)?.serializedBytes()
  }

  /// `request` with its messages noted as they are read.
  func watching<Input: Sendable>(
    _ request: StreamingServerRequest<Input>
  ) -> StreamingServerRequest<Input> {
    var request = request
    request.messages = RPCAsyncSequence(
      wrapping: Noted(base: request.messages, capture: self)
    )
    return request
  }

  /// `response` with its first message noted as it is written.
  func watching<Output: Sendable>(
    _ response: StreamingServerResponse<Output>
  ) -> StreamingServerResponse<Output> {
    var response = response
    if case .success(var contents) = response.accepted {
      let producer = contents.producer
      contents.producer = { writer in
        try await producer(RPCWriter(wrapping: NotingWriter(base: writer, capture: self)))
      }
      response.accepted = .success(contents)
    }
    return response
  }

  private struct Noted<Element: Sendable>: AsyncSequence, Sendable {
    typealias Failure = any Error
    let base: RPCAsyncSequence<Element, any Error>
    let capture: AuditCapture

    struct AsyncIterator: AsyncIteratorProtocol {
      typealias Failure = any Error
      var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
      let capture: AuditCapture

      mutating func next() async throws -> Element? {
        let element = try await self.base.next()
        if let element { self.capture.note(request: element) }
        return element
      }
    }

    func makeAsyncIterator() -> AsyncIterator {
      AsyncIterator(base: self.base.makeAsyncIterator(), capture: self.capture)
    }
  }

  private struct NotingWriter<Element: Sendable>: RPCWriterProtocol {
    let base: RPCWriter<Element>
    let capture: AuditCapture

    func write(_ element: Element) async throws {
      self.capture.note(answer: element)
      try await self.base.write(element)
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
      for element in elements { try await self.write(element) }
    }
  }
}

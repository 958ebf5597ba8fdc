public import GRPCCore
import SwiftProtobuf

/// Checks every request message of every call with ``RequestValidation`` before the handler
/// sees it: each message of a stream as it is read, so a streaming call is refused at its first
/// bad message. Installed for every service by ``ServiceRunner``. Messages that are not decoded
/// protobuf (the gateway forwards partners' bytes as they are) pass unchecked: the domain service
/// behind it checks them.
///
/// A message that is not valid protobuf, invalid UTF-8 in a string field included, fails in
/// SwiftProtobuf's decoder before this; its INVALID_ARGUMENT is reworded here to name the
/// message by its proto name rather than by a Swift type.
public struct RequestValidationInterceptor: ServerInterceptor {
  public init() {}

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    guard let type = Input.self as? any SwiftProtobuf.Message.Type else {
      return try await next(request, context)
    }
    var request = request
    request.messages = RPCAsyncSequence(
      wrapping: CheckedMessages(base: request.messages, name: type.protoMessageName)
    )
    return try await next(request, context)
  }
}

/// A call's request messages, each checked as it is read.
struct CheckedMessages<Element: Sendable>: AsyncSequence, Sendable {
  typealias Failure = any Error

  let base: RPCAsyncSequence<Element, any Error>
  /// The request message's proto name, for a message that cannot be decoded.
  let name: String

  struct AsyncIterator: AsyncIteratorProtocol {
    typealias Failure = any Error

    var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
    let name: String
    /// Messages read so far: a refusal in a stream says which message it was.
    var count = 0

    mutating func next() async throws -> Element? {
      let element: Element?
      do {
        element = try await self.base.next()
      } catch {
        throw Self.reworded(error, self.name)
      }
      guard let element else { return nil }
      self.count += 1
      if let message = element as? any SwiftProtobuf.Message,
        let refusal = RequestValidation.refusal(of: message)
      {
        guard self.count > 1 else { throw refusal }
        throw RPCError(code: refusal.code, message: refusal.message + " (message \(self.count))")
      }
      return element
    }

    /// SwiftProtobuf's refusal as GRPCProtobuf reports it names a Swift type; this names the
    /// proto message and says what is wrong. Other errors pass as they are.
    static func reworded(_ error: any Error, _ name: String) -> any Error {
      guard let error = error as? RPCError, let cause = error.cause as? BinaryDecodingError else {
        return error
      }
      switch cause {
      case .invalidUTF8:
        return RPCError(
          code: .invalidArgument,
          message: "\(name): a string field is not valid UTF-8"
        )
      default:
        return RPCError(code: .invalidArgument, message: "\(name): not a valid message")
      }
    }
  }

  func makeAsyncIterator() -> AsyncIterator {
    AsyncIterator(base: self.base.makeAsyncIterator(), name: self.name)
  }
}

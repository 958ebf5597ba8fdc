import GRPCCore
import NIOConcurrencyHelpers

/// One call's stream on a client connection. The stream id exists only once the request
/// metadata is written (ids are taken in the order HEADERS are queued).
final class ClientCall: Sendable {
  private struct State {
    var id: UInt32?
    var ended = false
  }

  let connection: ClientConnection
  let path: String
  private let state = NIOLockedValueBox(State())
  /// The response parts, read by GRPCCore; taking a message returns credit on this stream.
  let sink: InboundQueue<RPCResponsePart<ERPTransport.Bytes>>

  init(connection: ClientConnection, path: String) {
    self.connection = connection
    self.path = path
    let ids = self.state
    self.sink = InboundQueue(
      size: { part in
        if case .message(let bytes) = part { return bytes.count }
        return 0
      },
      consumed: { bytes in
        if let id = ids.withLockedValue({ $0.id }) { connection.consumed(bytes, onStream: id) }
      }
    )
  }

  var id: UInt32? { self.state.withLockedValue { $0.id } }

  func open(metadata: Metadata) throws {
    let id = try self.connection.openStream(path: self.path, metadata: metadata, sink: self.sink)
    self.state.withLockedValue { $0.id = id }
  }

  /// Releases the stream and its slot, once; resets the stream if the server had not finished.
  func end(reason: String) {
    let (first, id) = self.state.withLockedValue { state -> (Bool, UInt32?) in
      defer { state.ended = true }
      return (!state.ended, state.id)
    }
    guard first else { return }
    self.connection.endClientStream(id, reason: reason)
    self.sink.finish()
  }
}

/// Writes a call's request parts: metadata opens the stream, `finish()` half-closes it.
struct ClientStreamWriter: ClosableRPCWriterProtocol {
  typealias Element = RPCRequestPart<ERPTransport.Bytes>

  let call: ClientCall

  func write(_ element: Element) async throws {
    switch element {
    case .metadata(let metadata):
      try self.call.open(metadata: metadata)
    case .message(let message):
      guard let id = self.call.id else {
        throw RPCError(code: .internalError, message: "request message written before metadata")
      }
      try await self.call.connection.sendMessage(message, onStream: id)
    }
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await self.write(element) }
  }

  func finish() async {
    if let id = self.call.id { self.call.connection.halfClose(stream: id) }
  }

  /// The request side failed (for instance a message over the server's limit): the call ends
  /// locally with that error's status, and the server's stream is reset.
  func finish(throwing error: any Error) async {
    let status =
      (error as? RPCError).map { Status(code: Status.Code($0.code), message: $0.message) }
      ?? Status(code: .cancelled, message: "the client cancelled the call")
    self.call.sink.yield(.status(status, [:]))
    self.call.end(reason: status.message)
  }
}

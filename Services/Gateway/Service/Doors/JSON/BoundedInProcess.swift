import GRPCCore
import NIOConcurrencyHelpers

/// A gRPC transport inside this process whose streams hold at most `capacity` parts each way
/// (``BoundedPipe``), for the JSON door's calls of the gateway's own server. GRPCCore's
/// `InProcessTransport` buffers without bound: a partner reading the NDJSON ledger slowly made
/// the forwarder pull the whole stream from finance into the gateway's memory. Here a full
/// pipe makes the server handler's write wait, which is the back-pressure Hummingbird's
/// response writer gives the door, carried back to the forwarded stream.
///
/// Like `InProcessTransport`, the server's peer starts with `in-process`, which the access
/// interceptor relies on to take the partner's address from `x-erp-forwarded-for`.
enum BoundedInProcess {
  static let peer = "in-process:json-door"

  typealias RequestPart = RPCRequestPart<[UInt8]>
  typealias ResponsePart = RPCResponsePart<[UInt8]>

  /// The server end: the streams the client opens, each handled in a task of its own.
  final class Server: ServerTransport, Sendable {
    typealias Bytes = [UInt8]
    typealias Inbound = RPCAsyncSequence<RequestPart, any Error>
    typealias Outbound = RPCWriter<ResponsePart>.Closable

    private struct State {
      var nextID = 0
      var handles: [Int: ServerContext.RPCCancellationHandle] = [:]
      var isShutdown = false
    }

    private let streams: AsyncStream<RPCStream<Inbound, Outbound>>
    private let accepted: AsyncStream<RPCStream<Inbound, Outbound>>.Continuation
    private let state = NIOLockedValueBox(State())

    init() {
      (self.streams, self.accepted) = AsyncStream.makeStream()
    }

    func accept(_ stream: RPCStream<Inbound, Outbound>) throws {
      if case .terminated = self.accepted.yield(stream) {
        throw RPCError(code: .unavailable, message: "the gateway is shutting down")
      }
    }

    func listen(
      streamHandler:
        @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async throws {
      await withDiscardingTaskGroup { group in
        for await stream in self.streams {
          group.addTask {
            await withServerContextRPCCancellationHandle { handle in
              let (id, isShutdown) = self.state.withLockedValue { state in
                defer { state.nextID += 1 }
                state.handles[state.nextID] = handle
                return (state.nextID, state.isShutdown)
              }
              defer { _ = self.state.withLockedValue { $0.handles.removeValue(forKey: id) } }
              if isShutdown { handle.cancel() }
              let context = ServerContext(
                descriptor: stream.descriptor,
                remotePeer: BoundedInProcess.peer,
                localPeer: BoundedInProcess.peer,
                cancellation: handle
              )
              await streamHandler(stream, context)
            }
          }
        }
      }
    }

    func beginGracefulShutdown() {
      self.accepted.finish()
      let handles = self.state.withLockedValue { state in
        state.isShutdown = true
        defer { state.handles.removeAll() }
        return Array(state.handles.values)
      }
      for handle in handles { handle.cancel() }
    }
  }

  /// The client end: each stream is a pair of pipes handed to the server.
  final class Client: ClientTransport, Sendable {
    typealias Bytes = [UInt8]
    typealias Inbound = RPCAsyncSequence<ResponsePart, any Error>
    typealias Outbound = RPCWriter<RequestPart>.Closable

    let retryThrottle: RetryThrottle? = nil
    private let server: Server
    private let capacity: Int
    private let closed: AsyncStream<Void>
    private let closing: AsyncStream<Void>.Continuation
    private let isClosed = NIOLockedValueBox(false)

    init(server: Server, capacity: Int) {
      self.server = server
      self.capacity = capacity
      (self.closed, self.closing) = AsyncStream.makeStream()
    }

    /// Nothing to connect: runs until shut down.
    func connect() async throws {
      for await _ in self.closed {}
    }

    func beginGracefulShutdown() {
      self.isClosed.withLockedValue { $0 = true }
      self.closing.finish()
    }

    func withStream<T: Sendable>(
      descriptor: MethodDescriptor,
      options: CallOptions,
      _ closure: (RPCStream<Inbound, Outbound>, ClientContext) async throws -> T
    ) async throws -> T {
      guard !self.isClosed.withLockedValue({ $0 }) else {
        throw RPCError(code: .unavailable, message: "the gateway is shutting down")
      }
      let requests = BoundedPipe<RequestPart>(capacity: self.capacity)
      let responses = BoundedPipe<ResponsePart>(capacity: self.capacity)
      try self.server.accept(
        RPCStream(
          descriptor: descriptor,
          inbound: RPCAsyncSequence(wrapping: requests),
          outbound: RPCWriter.Closable(wrapping: BoundedPipeWriter(pipe: responses))
        )
      )
      defer {
        // Whatever the server still writes has no reader any more; nor the client's writes.
        requests.finish()
        responses.readerGone()
      }
      return try await closure(
        RPCStream(
          descriptor: descriptor,
          inbound: RPCAsyncSequence(wrapping: responses),
          outbound: RPCWriter.Closable(wrapping: BoundedPipeWriter(pipe: requests))
        ),
        ClientContext(
          descriptor: descriptor,
          remotePeer: BoundedInProcess.peer,
          localPeer: BoundedInProcess.peer
        )
      )
    }

    func config(forMethod descriptor: MethodDescriptor) -> MethodConfig? { nil }
  }
}

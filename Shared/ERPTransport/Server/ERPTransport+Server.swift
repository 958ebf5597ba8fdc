public import GRPCCore
import NIOConcurrencyHelpers
public import NIOCore
import NIOPosix

extension ERPTransport {
  /// Serves GRPCCore over TCP: accepts connections, hands each stream to GRPCCore, and on
  /// graceful shutdown refuses new streams, tells clients to drain (GOAWAY), lets in-flight calls
  /// finish within a grace period, then closes.
  public final class Server: ServerTransport, Sendable {
    public typealias Bytes = ERPTransport.Bytes

    public struct Config: Sendable {
      public var host: String
      /// 0 picks a free port; read it from ``Server/listeningAddress``.
      public var port: Int
      public var limits = Limits()
      /// A connection with no open stream for this long is closed with GOAWAY.
      public var idleTimeout: TimeAmount = .minutes(5)
      /// How long in-flight calls may run after shutdown begins before they are cancelled.
      public var gracePeriod: TimeAmount = .seconds(10)
      /// A connection that has not sent its preface and SETTINGS by then is closed.
      public var handshakeTimeout: TimeAmount = .seconds(10)
      /// Runs each handler on its connection's event loop (as a task executor preference), which
      /// removes the thread switches between the socket and the handler. Handlers must then never
      /// block; set false to run them on Swift's global executor instead.
      public var runsHandlersOnEventLoop = true

      public init(host: String, port: Int) {
        self.host = host
        self.port = port
      }
    }

    typealias StreamHandler = @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void

    private struct State {
      var listener: (any Channel)?
      var listenerClosed = false
      var connections: [ObjectIdentifier: ServerConnection] = [:]
      var shuttingDown = false
      var streamHandler: StreamHandler?
      /// Handler tasks still running, so `listen` can wait for them and cancel them.
      var handlers: [UInt64: Task<Void, Never>] = [:]
      var nextHandlerID: UInt64 = 0
      /// `listen` waiting for the last connection and handler to finish.
      var finished: CheckedContinuation<Void, Never>?
      var isFinished = false
      /// Connections accepted since the start, and idle drains begun (for tests to observe).
      var acceptedConnections = 0
      var idleDrains = 0
    }

    public let config: Config
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    private let address: EventLoopPromise<SocketAddress>

    public init(config: Config, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
      self.config = config
      self.group = group
      self.address = group.any().makePromise(of: SocketAddress.self)
    }

    /// Where the server listens, once ``listen(streamHandler:)`` has bound.
    public var listeningAddress: SocketAddress {
      get async throws { try await self.address.futureResult.get() }
    }

    public func listen(
      streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async throws {
      self.state.withLockedValue { $0.streamHandler = streamHandler }
      let listener: any Channel
      do {
        listener = try await ServerBootstrap(group: self.group)
          .serverChannelOption(.backlog, value: 256)
          .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
          .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
          .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try self.setUp(channel) }
          }
          .bind(host: self.config.host, port: self.config.port)
          .get()
      } catch {
        self.address.fail(error)
        throw RPCError(
          code: .unavailable,
          message: "cannot listen on \(self.config.host):\(self.config.port): \(error)"
        )
      }
      self.address.succeed(listener.localAddress!)
      let closeNow = self.state.withLockedValue { state -> Bool in
        state.listener = listener
        return state.shuttingDown
      }
      listener.closeFuture.whenComplete { _ in
        self.state.withLockedValue { $0.listenerClosed = true }
        self.finishIfDrained()
      }
      if closeNow { listener.close(promise: nil) }

      await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
          let done = self.state.withLockedValue { state -> Bool in
            if state.isFinished { return true }
            state.finished = continuation
            return false
          }
          if done { continuation.resume() }
        }
      } onCancel: {
        self.closeEverything()
      }
    }

    /// Starts a stream's handler as a task of its own, created on the event loop that read the
    /// stream's HEADERS and (by default) running there: no thread is woken to start a call.
    /// Unstructured so that it needs no hop to `listen`'s task; `listen` still waits for every
    /// handler and cancels them all when it is cancelled.
    private func spawnHandler(
      _ accepted: AcceptedStream<ServerStreamContext>,
      on connection: ServerConnection
    ) {
      let preference: (any TaskExecutor)? =
        self.config.runsHandlersOnEventLoop ? connection.executor : nil
      let task = self.state.withLockedValue { state -> Task<Void, Never>? in
        guard let streamHandler = state.streamHandler else { return nil }
        let id = state.nextHandlerID
        state.nextHandlerID += 1
        let task = Task(executorPreference: preference) {
          await self.serve(accepted, on: connection, with: streamHandler)
          self.state.withLockedValue { _ = $0.handlers.removeValue(forKey: id) }
          self.finishIfDrained()
        }
        state.handlers[id] = task
        return task
      }
      // Outside the server's lock: attaching may cancel the task at once.
      if let task { connection.attach(task, toStream: accepted.id) }
    }

    public func beginGracefulShutdown() {
      let (listener, connections) = self.state.withLockedValue {
        state -> ((any Channel)?, [ServerConnection]) in
        guard !state.shuttingDown else { return (nil, []) }
        state.shuttingDown = true
        return (state.listener, Array(state.connections.values))
      }
      listener?.close(promise: nil)
      for connection in connections {
        connection.beginDraining(reason: "server shutting down")
      }
      self.group.any().scheduleTask(in: self.config.gracePeriod) {
        let remaining = self.state.withLockedValue { Array($0.connections.values) }
        for connection in remaining {
          connection.cancelAllStreams(reason: "the server shut down before the call finished")
        }
      }
      self.finishIfDrained()
    }

    // MARK: Connections

    private func setUp(_ channel: any Channel) throws {
      let key = ObjectIdentifier(channel)
      let connection = ServerConnection(
        channel: channel,
        limits: self.config.limits,
        callbacks: ServerConnection.Callbacks(
          onStream: { accepted, connection in
            self.spawnHandler(accepted, on: connection)
          },
          onClose: { _ in
            self.state.withLockedValue { _ = $0.connections.removeValue(forKey: key) }
            self.finishIfDrained()
          }
        )
      )
      let sync = channel.pipeline.syncOperations
      try sync.addHandler(
        ByteToMessageHandler(
          FrameDecoder(
            maxFrameLength: self.config.limits.maxFrameLength,
            maxMetadataSize: self.config.limits.maxMetadataSize
          )
        )
      )
      try sync.addHandler(ConnectionHandler(connection: connection))

      let drainNow = self.state.withLockedValue { state -> Bool in
        state.connections[key] = connection
        state.acceptedConnections += 1
        return state.shuttingDown
      }
      if drainNow { connection.beginDraining(reason: "server shutting down") }

      let idleTimeout = self.config.idleTimeout
      let idleCheck = channel.eventLoop.scheduleRepeatedTask(
        initialDelay: .nanoseconds(idleTimeout.nanoseconds / 2),
        delay: .nanoseconds(idleTimeout.nanoseconds / 2)
      ) { _ in
        if connection.idleTimerFired(timeout: idleTimeout) {
          self.state.withLockedValue { $0.idleDrains += 1 }
        }
      }
      let handshakeCheck = channel.eventLoop.scheduleTask(in: self.config.handshakeTimeout) {
        connection.handshakeTimerFired()
      }
      channel.closeFuture.whenComplete { _ in
        idleCheck.cancel()
        handshakeCheck.cancel()
      }
    }

    /// Whether graceful shutdown has begun (every connection was told to drain).
    var isShuttingDown: Bool { self.state.withLockedValue { $0.shuttingDown } }

    /// Connections open now and accepted since the start, and idle drains begun: what a test
    /// observes to know that a connection really was drained and closed.
    var connectionCounts: (open: Int, accepted: Int, idleDrains: Int) {
      self.state.withLockedValue { ($0.connections.count, $0.acceptedConnections, $0.idleDrains) }
    }

    /// Ends `listen` once the listener, every connection and every handler are done.
    private func finishIfDrained() {
      let continuation = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
        guard state.shuttingDown, state.listenerClosed || state.listener == nil,
          state.connections.isEmpty, state.handlers.isEmpty, !state.isFinished
        else { return nil }
        state.isFinished = true
        defer { state.finished = nil }
        return state.finished
      }
      continuation?.resume()
    }

    /// `listen` was cancelled: close everything at once and cancel every handler.
    private func closeEverything() {
      let (listener, connections, handlers) = self.state.withLockedValue { state in
        state.shuttingDown = true
        return (state.listener, Array(state.connections.values), Array(state.handlers.values))
      }
      listener?.close(promise: nil)
      for connection in connections { connection.channel.close(promise: nil) }
      for handler in handlers { handler.cancel() }
      self.finishIfDrained()
    }

    // MARK: Streams

    private func serve(
      _ accepted: AcceptedStream<ServerStreamContext>,
      on connection: ServerConnection,
      with streamHandler: @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async {
      let id = accepted.id
      // The server ends the call at its deadline itself (wire spec §2.1); the timer lives no
      // longer than the handler, so long deadlines leave nothing behind.
      let deadlineTimer = accepted.deadline.map { deadline in
        connection.channel.eventLoop.scheduleTask(deadline: deadline) {
          connection.deadlinePassed(onStream: id)
        }
      }
      defer { deadlineTimer?.cancel() }
      await withServerContextRPCCancellationHandle { handle in
        connection.attach(handle, toStream: id)
        let stream = RPCStream(
          descriptor: accepted.descriptor,
          inbound: RPCAsyncSequence(wrapping: InboundSequence(queue: accepted.context.inbound)),
          outbound: RPCWriter.Closable(wrapping: ServerStreamWriter(connection: connection, id: id))
        )
        let context = ServerContext(
          descriptor: accepted.descriptor,
          remotePeer: PeerName.describe(connection.channel.remoteAddress),
          localPeer: PeerName.describe(connection.channel.localAddress),
          cancellation: handle
        )
        await streamHandler(stream, context)
        // A handler always ends with a status; this only acts if it somehow did not.
        connection.endServerStream(
          id,
          status: Status(code: .internalError, message: "the handler ended without a status")
        )
      }
    }
  }
}

/// Writes a server handler's response parts onto its stream.
struct ServerStreamWriter: ClosableRPCWriterProtocol {
  typealias Element = RPCResponsePart<ERPTransport.Bytes>

  let connection: ServerConnection
  let id: UInt32

  func write(_ element: Element) async throws {
    try await self.connection.sendResponse(element, onStream: self.id)
  }

  func write(contentsOf elements: some Sequence<Element>) async throws {
    for element in elements { try await self.write(element) }
  }

  func finish() async {
    self.connection.endServerStream(
      self.id,
      status: Status(code: .internalError, message: "the handler ended without a status")
    )
  }

  func finish(throwing error: any Error) async {
    let status =
      (error as? RPCError).map { Status(code: Status.Code($0.code), message: $0.message) }
      ?? Status(code: .unknown, message: "the handler failed")
    self.connection.endServerStream(self.id, status: status)
  }
}

/// Peer names in gRPC's format: `ipv4:127.0.0.1:7100`, `ipv6:[::1]:7100`, `unix:/path`.
enum PeerName {
  static func describe(_ address: SocketAddress?) -> String {
    switch address {
    case .v4(let v4)?: "ipv4:\(v4.host):\(address!.port ?? 0)"
    case .v6(let v6)?: "ipv6:[\(v6.host)]:\(address!.port ?? 0)"
    case .unixDomainSocket?: "unix:\(address!.pathname ?? "")"
    case nil: "unknown"
    }
  }
}

import ERPRuntime
import GRPCCore
import Hummingbird
import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// The gateway's JSON over HTTP door (the Connect protocol, on its own port: 7300 by default,
/// `ERP_JSON_PORT` / `--json-port`). A ``ServiceDoor`` like the HTTP/2 door: ``ServiceRunner``
/// hands it the services and the interceptors of the ERPT port, which it serves a second time on
/// a gRPC server in this process (``BoundedInProcess``, so a slow reader holds back the
/// stream it reads rather than the gateway's memory filling); the HTTP side (Hummingbird,
/// ``JSONDoorResponder``) calls that server with the partner's headers as metadata, so every
/// JSON call meets the same access control, rate limits, audit, field limits, metrics and
/// tracing as an ERPT call, because it is one.
///
/// A `Service`: on graceful shutdown the HTTP server stops accepting and finishes the requests
/// it has, then the in-process server and client stop.
public final class JSONDoor: Service, Sendable {
  struct Config: Sendable {
    var host: String
    var port: Int
    /// The largest request body, 4 MiB by default.
    var bodyLimit = 4 << 20
    /// Parts each direction of a call holds before its writer waits (``BoundedPipe``).
    var pipeCapacity = 4
  }

  let config: Config
  private let server: GRPCServer<BoundedInProcess.Server>
  private let client: GRPCClient<BoundedInProcess.Client>
  /// Answer messages the door's NDJSON streams have pulled from its server, for the test that
  /// a paused reader stops them.
  let streamed = StreamedMessages()
  private let logger: Logger
  private let port = ListeningPort()

  init(config: Config, parts: ServiceDoor.Parts, logger: Logger) {
    self.config = config
    let server = BoundedInProcess.Server()
    self.server = GRPCServer(
      transport: server,
      services: parts.services,
      interceptors: parts.interceptors
    )
    self.client = GRPCClient(
      transport: BoundedInProcess.Client(server: server, capacity: config.pipeCapacity)
    )
    self.logger = logger
  }

  /// The door as the gateway's ``ServiceParts`` name it, listening on `port` of the process's
  /// address.
  static func door(port: Int, logger: Logger) -> ServiceDoor {
    ServiceDoor { parts in
      JSONDoor(config: Config(host: parts.host, port: port), parts: parts, logger: logger)
    }
  }

  /// The HTTP port, once listening (useful when configured with port 0).
  public var listeningPort: Int {
    get async throws { try await self.port.value() }
  }

  public func run() async throws {
    let app = Application(
      responder: JSONDoorResponder(
        client: self.client,
        bodyLimit: self.config.bodyLimit,
        pipeCapacity: self.config.pipeCapacity,
        streamed: self.streamed
      ),
      configuration: ApplicationConfiguration(
        address: .hostname(self.config.host, port: self.config.port)
      ),
      onServerRunning: { [port, logger] channel in
        let number = channel.localAddress?.port ?? 0
        logger.info("JSON (Connect) listening", metadata: ["port": "\(number)"])
        port.resolve(.success(number))
      },
      logger: self.logger
    )
    defer { self.port.resolve(.failure(JSONDoorStopped())) }
    try await withThrowingDiscardingTaskGroup { group in
      group.addTask { try await self.server.serve() }
      group.addTask { try await self.client.runConnections() }
      defer {
        self.client.beginGracefulShutdown()
        self.server.beginGracefulShutdown()
      }
      try await app.run()
    }
  }
}

struct JSONDoorStopped: Error {}

/// A count of the answer messages streamed calls pulled, and of the streams waiting because
/// their reader does not keep up.
final class StreamedMessages: Sendable {
  private let counts = NIOLockedValueBox((pulled: 0, waiting: 0))

  var pulled: Int { self.counts.withLockedValue { $0.pulled } }
  /// Streams whose lines are all buffered for a reader that is not taking them.
  var waiting: Int { self.counts.withLockedValue { $0.waiting } }

  func pulledOne() { self.counts.withLockedValue { $0.pulled += 1 } }
  func changeWaiting(by change: Int) { self.counts.withLockedValue { $0.waiting += change } }
}

/// A port known once the server listens; callers before then wait for it.
final class ListeningPort: Sendable {
  private enum State {
    case waiting([CheckedContinuation<Int, any Error>])
    case known(Result<Int, any Error>)
  }

  private let state = NIOLockedValueBox(State.waiting([]))

  func value() async throws -> Int {
    try await withCheckedThrowingContinuation { continuation in
      let known: Result<Int, any Error>? = self.state.withLockedValue { state in
        switch state {
        case .waiting(var waiting):
          waiting.append(continuation)
          state = .waiting(waiting)
          return nil
        case .known(let result):
          return result
        }
      }
      if let known { continuation.resume(with: known) }
    }
  }

  /// Settles the port (the first call decides) and wakes whoever waits.
  func resolve(_ result: Result<Int, any Error>) {
    let waiting = self.state.withLockedValue { state in
      guard case .waiting(let waiting) = state else {
        return [CheckedContinuation<Int, any Error>]()
      }
      state = .known(result)
      return waiting
    }
    for continuation in waiting { continuation.resume(with: result) }
  }
}

import GRPCCore
import GRPCInProcessTransport
import Hummingbird
import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// The gateway's JSON over HTTP door (the Connect protocol, on its own port: 7300 by default,
/// `ERP_JSON_PORT` / `--json-port`). It serves the gateway's services a second time, on a gRPC
/// server in this process (GRPCCore's in-process transport) with the same interceptors as the
/// ERPT port, and the HTTP side (Hummingbird, ``JSONDoorResponder``) calls that server with the
/// partner's headers as metadata: every JSON call meets the same access control, rate limits,
/// audit, field limits, metrics and tracing as an ERPT call, because it is one.
///
/// A `Service`: on graceful shutdown the HTTP server stops accepting and finishes the requests
/// it has, then the in-process server and client stop.
public final class JSONDoor: Service, Sendable {
  struct Config: Sendable {
    var host: String
    var port: Int
    /// The largest request body, 4 MiB by default.
    var bodyLimit = 4 << 20
  }

  let config: Config
  private let server: GRPCServer<InProcessTransport.Server>
  private let client: GRPCClient<InProcessTransport.Client>
  private let logger: Logger
  private let port = ListeningPort()

  init(
    config: Config,
    services: [any RegistrableRPCService],
    interceptors: [any ServerInterceptor],
    logger: Logger
  ) {
    self.config = config
    let transport = InProcessTransport()
    self.server = GRPCServer(
      transport: transport.server,
      services: services,
      interceptors: interceptors
    )
    self.client = GRPCClient(transport: transport.client)
    self.logger = logger
  }

  /// The HTTP port, once listening (useful when configured with port 0).
  public var listeningPort: Int {
    get async throws { try await self.port.value() }
  }

  public func run() async throws {
    let app = Application(
      responder: JSONDoorResponder(client: self.client, bodyLimit: self.config.bodyLimit),
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

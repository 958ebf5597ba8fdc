import ERPTransport
public import GRPCCore
import NIOConcurrencyHelpers

/// A server a test can stop and start again on the same port: a peer service going down and
/// coming back, as the services calling it see it.
public final class RestartableServer: Sendable {
  public let port: Int
  private let services: [any RegistrableRPCService]
  private let interceptors: [any ServerInterceptor]
  private let running = NIOLockedValueBox<
    (server: GRPCServer<ERPTransport.Server>, task: Task<Void, any Error>)?
  >(nil)

  /// Starts serving on a free loopback port.
  public init(
    services: [any RegistrableRPCService],
    interceptors: [any ServerInterceptor] = []
  ) async throws {
    self.services = services
    self.interceptors = interceptors
    let (server, task, port) = try await Self.serve(services, interceptors, port: 0)
    self.port = port
    self.running.withLockedValue { $0 = (server, task) }
  }

  /// Serves again on the same port after `stop()`.
  public func start() async throws {
    let (server, task, _) = try await Self.serve(self.services, self.interceptors, port: self.port)
    self.running.withLockedValue { $0 = (server, task) }
  }

  /// Stops accepting calls and waits until the server has shut down.
  public func stop() async {
    let running = self.running.withLockedValue { running in
      defer { running = nil }
      return running
    }
    guard let running else { return }
    running.server.beginGracefulShutdown()
    _ = await running.task.result
  }

  private static func serve(
    _ services: [any RegistrableRPCService],
    _ interceptors: [any ServerInterceptor],
    port: Int
  ) async throws -> (GRPCServer<ERPTransport.Server>, Task<Void, any Error>, Int) {
    let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: port))
    let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
    let task = Task { try await server.serve() }
    return (server, task, try await transport.listeningAddress.port ?? port)
  }
}

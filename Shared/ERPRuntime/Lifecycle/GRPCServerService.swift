public import GRPCCore
public import ServiceLifecycle

/// Runs a gRPC server as a swift-service-lifecycle `Service`: on graceful shutdown (SIGTERM) the
/// server stops accepting calls and the transport drains in-flight ones for its grace period,
/// then cancels what is left.
public struct GRPCServerService<Transport: ServerTransport>: Service {
  public let server: GRPCServer<Transport>

  public init(_ server: GRPCServer<Transport>) {
    self.server = server
  }

  public func run() async throws {
    try await withGracefulShutdownHandler {
      try await self.server.serve()
    } onGracefulShutdown: {
      self.server.beginGracefulShutdown()
    }
  }
}

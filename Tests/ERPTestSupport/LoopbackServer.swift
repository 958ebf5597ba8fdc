public import ERPTransport
public import GRPCCore

/// Serves `services` over ERPTransport on a free loopback port, runs `body` with a client
/// connected to it (and the port), then shuts both down, whether `body` succeeded or threw.
public func withLoopbackServer<T: Sendable>(
  services: [any RegistrableRPCService],
  interceptors: [any ServerInterceptor] = [],
  _ body: @Sendable (GRPCClient<ERPTransport.Client>, Int) async throws -> T
) async throws -> T {
  let transport = ERPTransport.Server(config: .init(host: "127.0.0.1", port: 0))
  let server = GRPCServer(transport: transport, services: services, interceptors: interceptors)
  return try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await server.serve() }
    let port = try await transport.listeningAddress.port!
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)])
    )
    group.addTask { try await client.runConnections() }
    let result: Result<T, any Error>
    do {
      result = .success(try await body(client, port))
    } catch {
      result = .failure(error)
    }
    client.beginGracefulShutdown()
    server.beginGracefulShutdown()
    try await group.waitForAll()
    return try result.get()
  }
}

public import ERPTransport
public import GRPCCore

/// Runs `body` with a client connected to one service for as long as `body` runs: for the
/// launcher seeding data, tools and tests. Calls carry the shared secret and what
/// ``RequestContext`` holds (``DownstreamInterceptor``); long-lived callers use ``PeerClients``.
public func withServiceClient<T: Sendable>(
  host: String = "127.0.0.1",
  port: Int,
  secret: String,
  _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
) async throws -> T {
  let client = GRPCClient(
    transport: ERPTransport.Client(targets: [.init(host: host, port: port)]),
    interceptors: [DownstreamInterceptor(secret: secret)]
  )
  return try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await client.runConnections() }
    defer { client.beginGracefulShutdown() }
    return try await body(client)
  }
}

import ERPTestSupport
import ERPTransport
import GRPCCore
import NIOCore

/// A running server on a free loopback port.
struct RunningServer: Sendable {
  let server: GRPCServer<ERPTransport.Server>
  let transport: ERPTransport.Server
  let port: Int
  let task: Task<Void, any Error>

  var target: ERPTransport.Client.Target { .init(host: "127.0.0.1", port: self.port) }

  /// Stops abruptly: cancels the server task, closing every connection at once.
  func kill() async {
    self.task.cancel()
    _ = try? await self.task.value
  }

  func shutDown() async {
    self.server.beginGracefulShutdown()
    _ = try? await self.task.value
  }
}

enum Harness {
  static func startServer(
    probe: Probe = Probe(),
    port: Int = 0,
    configure: (inout ERPTransport.Server.Config) -> Void = { _ in }
  ) async throws -> RunningServer {
    var config = ERPTransport.Server.Config(host: "127.0.0.1", port: port)
    configure(&config)
    let transport = ERPTransport.Server(config: config)
    let server = GRPCServer(transport: transport, services: [EchoService(probe: probe)])
    let task = Task { try await server.serve() }
    let address = try await transport.listeningAddress
    return RunningServer(server: server, transport: transport, port: address.port!, task: task)
  }

  /// Runs `body` with a connected client, then shuts the client down.
  static func withClient<T: Sendable>(
    _ targets: [ERPTransport.Client.Target],
    configure: (inout ERPTransport.Client.Config) -> Void = { _ in },
    _ body: @Sendable (GRPCClient<ERPTransport.Client>) async throws -> T
  ) async throws -> T {
    var config = ERPTransport.Client.Config()
    configure(&config)
    let transport = ERPTransport.Client(targets: targets, config: config)
    let client = GRPCClient(transport: transport)
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask {
        do {
          try await client.runConnections()
        } catch let error as RuntimeError where error.code == .clientIsStopped {
          // The body finished (and shut the client down) before this task started: nothing ran.
        }
      }
      defer {
        client.beginGracefulShutdown()
      }
      let result = try await body(client)
      client.beginGracefulShutdown()
      try await group.waitForAll()
      return result
    }
  }
}

extension GRPCClient where Transport == ERPTransport.Client {
  func get(
    _ message: [UInt8],
    metadata: Metadata = [:],
    options: CallOptions = .defaults
  ) async throws -> [UInt8] {
    try await self.unary(
      request: ClientRequest(message: message, metadata: metadata),
      descriptor: EchoService.get,
      serializer: RawSerializer(),
      deserializer: RawDeserializer(),
      options: options
    ) { try $0.message }
  }

  func call(
    _ method: MethodDescriptor,
    _ message: [UInt8],
    metadata: Metadata = [:],
    options: CallOptions = .defaults
  ) async throws -> [UInt8] {
    try await self.unary(
      request: ClientRequest(message: message, metadata: metadata),
      descriptor: method,
      serializer: RawSerializer(),
      deserializer: RawDeserializer(),
      options: options
    ) { try $0.message }
  }
}

import ERPTransport
import Foundation
import GRPCCore
import GRPCInProcessTransport
import GRPCNIOTransportHTTP2
import NIOCore

/// One transport under test, running: a call to make repeatedly, and how to stop it.
struct Contender {
  var call: @Sendable ([UInt8]) async throws -> Void
  var stop: @Sendable () async -> Void
}

enum Contenders {
  /// Serves the echo over `server`, then builds a client transport for where it listens.
  static func grpc<Server: ServerTransport, Client: ClientTransport>(
    server serverTransport: Server,
    client makeClient: (Server) async throws -> Client
  ) async throws -> Contender {
    let server = GRPCServer(transport: serverTransport, services: [EchoService()])
    let serverTask = Task { try await server.serve() }
    let client = GRPCClient(transport: try await makeClient(serverTransport))
    let clientTask = Task { try await client.runConnections() }
    // Wait for a connection rather than failing fast while the first one is being made.
    let options = {
      var options = CallOptions.defaults
      options.waitForReady = true
      return options
    }()
    return Contender(
      call: { payload in
        _ = try await client.unary(
          request: ClientRequest(message: payload),
          descriptor: EchoService.method,
          serializer: RawSerializer(),
          deserializer: RawDeserializer(),
          options: options
        ) { try $0.message }
      },
      stop: {
        client.beginGracefulShutdown()
        _ = try? await clientTask.value
        server.beginGracefulShutdown()
        _ = try? await serverTask.value
      }
    )
  }

  static func erp() async throws -> Contender {
    var serverConfig = ERPTransport.Server.Config(host: "127.0.0.1", port: 0)
    serverConfig.runsHandlersOnEventLoop =
      ProcessInfo.processInfo.environment["BENCH_SERVER_ON_LOOP"] != "0"
    return try await self.grpc(server: ERPTransport.Server(config: serverConfig)) { server in
      let port = try await server.listeningAddress.port!
      var config = ERPTransport.Client.Config()
      // BENCH_CLIENT_ON_LOOP=1 compares calls processed on the connection's event loop.
      config.runsCallsOnEventLoop =
        ProcessInfo.processInfo.environment["BENCH_CLIENT_ON_LOOP"] == "1"
      return ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)], config: config)
    }
  }

  static func http2() async throws -> Contender {
    let server = HTTP2ServerTransport.Posix(
      address: .ipv4(host: "127.0.0.1", port: 0),
      transportSecurity: .plaintext
    )
    return try await self.grpc(server: server) { server in
      let port = try await server.listeningAddress.ipv4!.port
      return try HTTP2ClientTransport.Posix(
        target: .ipv4(host: "127.0.0.1", port: port),
        transportSecurity: .plaintext
      )
    }
  }

  static func inProcess() async throws -> Contender {
    let transport = InProcessTransport()
    return try await self.grpc(server: transport.server) { _ in transport.client }
  }

  static func raw() async throws -> Contender {
    let server = try await RawEcho.startServer()
    let client = try await RawEcho.Client.connect(port: server.localAddress!.port!)
    return Contender(
      call: { payload in try await client.echo(payload) },
      stop: {
        try? await client.channel.close()
        try? await server.close()
      }
    )
  }
}

import ERPTestSupport
import GRPCCore
import Logging
import NIOCore
import Testing

@testable import ERPTransport

/// The client's name lookups: each within its own deadline, the last good answer kept and used
/// when a lookup fails or hangs, and every failed attempt logged with its reason. The resolver is
/// injected (``ScriptedLookup``); the server is real, on loopback.
@Suite("Name lookup deadlines and kept addresses")
struct NameLookupTests {
  /// How the client's notice of a fallback ends.
  static let usingKept = ": connecting to the address kept from the last lookup"

  /// A client of `host` (resolved by `lookup`) running until `body` returns.
  private func withClient<T: Sendable>(
    _ host: String,
    port: Int,
    lookup: ScriptedLookup,
    logs: CapturedLogs,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>, ERPTransport.Client) async throws -> T
  ) async throws -> T {
    var config = ERPTransport.Client.Config()
    config.nameLookup = lookup.lookup
    config.lookupTimeout = .milliseconds(200)
    // Long, so that only the lookup's own deadline can end an attempt whose lookup hangs.
    config.connectTimeout = .seconds(120)
    // No wait between attempts: each call below starts a fresh one.
    config.backoff.initial = .zero
    config.backoff.jitter = 0
    var logger = logs.logger
    logger[metadataKey: "peer"] = "echo"
    config.logger = logger
    let transport = ERPTransport.Client(targets: [.init(host: host, port: port)], config: config)
    let client = GRPCClient(transport: transport)
    let running = Task { try await client.runConnections() }
    defer {
      client.beginGracefulShutdown()
      lookup.finish()
    }
    let result = try await body(client, transport)
    client.beginGracefulShutdown()
    try await running.value
    return result
  }

  @Test("a lookup that hangs fails the attempt at its own deadline; the next uses the kept address")
  func hangingLookup() async throws {
    let server = try await Harness.startServer()
    let lookup = ScriptedLookup(
      address: try SocketAddress(ipAddress: "127.0.0.1", port: server.port),
      steps: [.hang, .hang]
    )
    let logs = CapturedLogs()
    try await self.withClient("echo.peer", port: server.port, lookup: lookup, logs: logs) {
      client,
      transport in
      // Nothing kept: the attempt ends when the lookup's 200 ms are up, not the connect's 120 s.
      for _ in 1...2 {
        let error = await #expect(throws: RPCError.self) { try await client.get([1]) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("lookup of echo.peer timed out after 200 ms") == true)
      }
      // The second attempt joined the lookup still hanging instead of queueing another.
      #expect(lookup.calls == 1)
      let failures = logs.all.filter { $0.level == .warning }
      #expect(failures.count == 2)
      #expect(
        failures.allSatisfy {
          $0.message == "connection to peer failed: lookup of echo.peer timed out after 200 ms"
            && $0.metadata["peer"] == "echo"
            && $0.metadata["peer.address"] == "echo.peer:\(server.port)"
        }
      )

      // The hung lookup answers at last: kept, though no attempt waits for it any more.
      lookup.release()
      try await eventually("the late answer is kept") { transport.addresses.kept(0) != nil }

      // The next lookup hangs too: after its 200 ms the attempt connects to the kept address.
      let answer = try await client.get([2])
      #expect(answer == [2])
      #expect(lookup.calls == 2)
      #expect(
        logs.all.contains {
          $0.level == .notice
            && $0.message
              == "lookup of echo.peer timed out after 200 ms" + Self.usingKept
        }
      )
    }
    await server.shutDown()
  }

  @Test("a name that fails to resolve after once resolving connects to the kept address")
  func failingAfterResolving() async throws {
    // The server closes an idle connection soon, so the client must connect (and look up) again.
    let server = try await Harness.startServer { $0.idleTimeout = .milliseconds(200) }
    let lookup = ScriptedLookup(
      address: try SocketAddress(ipAddress: "127.0.0.1", port: server.port),
      steps: [.answer, .fail]
    )
    let logs = CapturedLogs()
    try await self.withClient("echo.peer", port: server.port, lookup: lookup, logs: logs) {
      client,
      transport in
      #expect(try await client.get([1]) == [1])
      try await eventually("the server closed the idle connection") {
        transport.readyConnections == 0
      }
      #expect(try await client.get([2]) == [2])
      #expect(lookup.calls == 2)
      #expect(
        logs.all.contains {
          $0.level == .notice
            && $0.message
              == "lookup of echo.peer failed: Name or service not known" + Self.usingKept
        }
      )
      #expect(!logs.all.contains { $0.level == .warning })
    }
    await server.shutDown()
  }

  @Test("each failed attempt says why: lookup failed with nothing kept; connection refused")
  func reasons() async throws {
    // A port nothing listens on any more.
    let gone = try await Harness.startServer()
    let port = gone.port
    await gone.shutDown()

    let lookup = ScriptedLookup(
      address: try SocketAddress(ipAddress: "127.0.0.1", port: port),
      steps: [.fail, .answer]
    )
    let logs = CapturedLogs()
    try await self.withClient("echo.peer", port: port, lookup: lookup, logs: logs) { client, _ in
      let unknown = await #expect(throws: RPCError.self) { try await client.get([1]) }
      #expect(unknown?.code == .unavailable)
      #expect(
        unknown?.message.contains("lookup of echo.peer failed: Name or service not known") == true
      )
      let refused = await #expect(throws: RPCError.self) { try await client.get([1]) }
      #expect(refused?.code == .unavailable)
      #expect(refused?.message.contains("echo.peer:\(port) refused the connection") == true)
      #expect(
        logs.all.filter { $0.level == .warning }.map(\.message) == [
          "connection to peer failed: lookup of echo.peer failed: Name or service not known",
          "connection to peer failed: echo.peer:\(port) refused the connection",
        ]
      )
    }
  }

  @Test("the system lookup (getaddrinfo off the event loops) resolves localhost")
  func systemLookup() async throws {
    let addresses = try await ERPTransport.Client.NameLookup.system.resolve("localhost", 7100)
    #expect(!addresses.isEmpty)
    #expect(addresses.allSatisfy { $0.port == 7100 })
    #expect(addresses.contains { $0.ipAddress == "127.0.0.1" || $0.ipAddress == "::1" })
  }
}

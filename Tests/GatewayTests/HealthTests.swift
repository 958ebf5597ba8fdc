import ERPProtos
import ERPRuntime
import ERPSystem
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// `grpc.health.v1.Health` on every service's ERPT port, asked with no credentials at all (as a
/// probe asks): SERVING overall and for the service's own APIs, NOT_FOUND for a name it does not
/// serve, and a Watch that sees NOT_SERVING when the service drains.
@Suite struct HealthTests {
  typealias Health = Grpc_Health_V1_Health.Client<ERPTransport.Client>

  @Test("every service's ERPT port answers health without credentials; Watch sees the drain")
  func erptHealth() async throws {
    try await GatewayHarness.run { harness in
      for member in harness.system.members {
        try await Self.withHealth(port: member.port) { health in
          var request = Grpc_Health_V1_HealthCheckRequest()
          #expect(try await health.check(request).status == .serving, "\(member.entry.name)")
          for service in try #require(member.health).services {
            request.service = service
            #expect(try await health.check(request).status == .serving, "\(service)")
          }
          var named = Grpc_Health_V1_HealthCheckRequest()
          named.service = "no.such.v1.Service"
          let unknown = named
          let error = await #expect(throws: RPCError.self) {
            _ = try await health.check(unknown)
          }
          #expect(error?.code == .notFound)
          #expect(error?.message.contains("no.such") == false)
        }
      }
      let customers = try #require(harness.system["customers"])
      #expect(try #require(customers.health).services.contains("erp.customers.v1.Customers"))
      // The Watch reports SERVING; then the service drains as SIGTERM drains it.
      let (first, seen) = AsyncStream.makeStream(of: Void.self)
      async let statuses = Self.withHealth(port: customers.port) { health in
        try await health.watch(Grpc_Health_V1_HealthCheckRequest()) { response in
          var statuses: [Grpc_Health_V1_HealthCheckResponse.ServingStatus] = []
          for try await answer in response.messages {
            statuses.append(answer.status)
            seen.yield()
          }
          return statuses
        }
      }
      for await _ in first { break }
      await customers.stop()
      #expect(try await statuses == [.serving, .notServing])
    }
  }

  private static func withHealth<T: Sendable>(
    port: Int,
    _ body: @Sendable (Health) async throws -> T
  ) async throws -> T {
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)])
    )
    return try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await client.runConnections() }
      defer { client.beginGracefulShutdown() }
      return try await body(Health(wrapping: client))
    }
  }
}

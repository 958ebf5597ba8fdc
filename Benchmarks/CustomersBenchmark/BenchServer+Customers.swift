import BenchmarkSupport
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTransport
import GRPCCore

extension BenchServer {
  /// The customers service as production runs it (``InProcessSystem``: its runner, interceptors
  /// and database set-up) on a fresh database `name` with `tenants` provisioned; `body` gets a
  /// client carrying the services' secret, with the first tenant bound, and a pool on the
  /// service's database for generating rows by SQL.
  func customers<T: Sendable>(
    _ name: String,
    tenants: [TenantID],
    connections: Int = 4,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>, ConnectionPool) async throws -> T
  ) async throws -> T {
    let database = try await self.database(name)
    var options = InProcessSystem.Options(services: ["customers"]) { _ in database }
    options.poolSize = connections
    return try await InProcessSystem.run(options) { system in
      for tenant in tenants { try await system.provision(tenant) }
      return try await system.withClients(["customers"], tenant: tenants[0]) { clients in
        try await body(clients["customers"]!, system["customers"]!.pool)
      }
    }
  }
}

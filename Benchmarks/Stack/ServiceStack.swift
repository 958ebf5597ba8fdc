public import BenchmarkSupport
import ERPRuntime
public import ERPStore
public import ERPSystem
import Gateway

/// Every service of the system, the gateway included, as production runs them (the
/// ``InProcessSystem`` the tests also run on): each on its own database on the bench server,
/// served over loopback TCP with its production interceptors and background workers (outbox
/// relays, order recovery, audit), calling its peers through its peer clients. Shared by the
/// sales and gateway benchmarks.
public struct ServiceStack: Sendable {
  /// RPC ports by catalog name.
  public let ports: [String: Int]
  public let pools: [String: ConnectionPool]
  /// Provisioned in every domain service.
  public let tenant: TenantID
  /// The running system, for a member's doors (the gateway's HTTP/2 port).
  public let system: InProcessSystem
  /// The gateway's JSON (Connect) port.
  public let jsonPort: Int

  public static let secret = InProcessSystem.secret
  /// The gateway's operator token.
  public static let operatorToken = "bench-operator"

  /// `variables`: more settings for every service (the OTEL_* ones, to trace).
  public static func run<T: Sendable>(
    _ server: BenchServer,
    connections: Int,
    variables: [String: String] = [:],
    _ body: @Sendable (ServiceStack) async throws -> T
  ) async throws -> T {
    let tenant = try TenantID(validating: "bench")
    var options = InProcessSystem.Options { entry in
      try await server.database("bench_stack_\(entry.name)")
    }
    options.poolSize = connections
    options.variables["ERP_OPERATOR_TOKEN"] = Self.operatorToken
    options.variables.merge(variables) { _, new in new }
    return try await InProcessSystem.run(options) { system in
      try await system.provision(tenant)
      let byName = Dictionary(uniqueKeysWithValues: system.members.map { ($0.entry.name, $0) })
      let json = byName["gateway"]?.worker(JSONDoor.self)
      return try await body(
        ServiceStack(
          ports: byName.mapValues(\.port),
          pools: byName.mapValues(\.pool),
          tenant: tenant,
          system: system,
          jsonPort: try await json?.listeningPort ?? 0
        )
      )
    }
  }
}

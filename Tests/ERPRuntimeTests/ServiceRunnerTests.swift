import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import GRPCCore
import Logging
import Prometheus
import Testing

/// A tenant-scoped method that answers only once the test releases it, to see drains finish it.
private struct SlowService: RegistrableRPCService {
  static let slow = MethodDescriptor(fullyQualifiedService: "test.Slow", method: "Wait")
  /// A value each time a call reaches the handler (one test calls the method).
  static let arrivals = AsyncStream<Void>.makeStream()
  /// What the handler waits for before it answers.
  static let releases = AsyncStream<Void>.makeStream()

  func registerMethods<T: ServerTransport>(with router: inout RPCRouter<T>) {
    router.registerHandler(
      forMethod: Self.slow,
      deserializer: RawDeserializer(),
      serializer: RawSerializer()
    ) { request, _ in
      for try await _ in request.messages {}
      Self.arrivals.continuation.yield()
      for await _ in Self.releases.stream { break }
      try Task.checkCancellation()  // a drain that cancelled the call ended the wait early
      let tenant = try RequestContext.requireTenant()
      return StreamingServerResponse(single: ServerResponse(message: Array(tenant.slug.utf8)))
    }
  }
}

private let secret = "runner-test-secret-0123456789"

/// Runs a service in this process on free ports against a database of its own.
private func withRunner(
  _ body: @Sendable (ServiceRunner, GRPCClient<ERPTransport.Client>) async throws -> Void
) async throws {
  let definition = ServiceDefinition(
    name: "finance",
    migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE note (id int PRIMARY KEY)")],
    make: { _ in ServiceParts(services: [SlowService()]) }
  )
  let configuration = try ServiceConfiguration(
    service: ServiceCatalog.entry(named: "finance")!,
    options: try ServiceOptions.parse(["--port", "0", "--ops-port", "0", "--drain-seconds", "5"]),
    environment: [
      "ERP_DATABASE_URL": try await TestDatabase.isolatedConninfo("erp_runner_test"),
      "ERP_SERVICE_SECRET": secret,
    ]
  )
  let runner = ServiceRunner(
    definition: definition,
    configuration: configuration,
    logger: Logger(label: "runner-test"),
    registry: PrometheusCollectorRegistry(),
    handlesSignals: false
  )
  try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await runner.run() }
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [
        .init(host: "127.0.0.1", port: try await runner.rpcPort)
      ]),
      interceptors: [DownstreamInterceptor(secret: secret)]
    )
    group.addTask { try await client.runConnections() }
    let result: Result<Void, any Error>
    do {
      result = .success(try await body(runner, client))
    } catch {
      result = .failure(error)
    }
    client.beginGracefulShutdown()
    await runner.shutdown()
    try await group.waitForAll()
    try result.get()
  }
}

@Suite("ServiceRunner: a whole service process in miniature")
struct ServiceRunnerTests {
  @Test("ready once migrated; TenantAdmin answers callers with the secret, refuses others")
  func servesWithAuth() async throws {
    try await withRunner { runner, client in
      let opsPort = try await runner.opsPort
      // Ready exactly when the start-up migration has finished: wait for that, not for a time.
      #expect(await runner.migrated())
      let ready = try await OpsProbe.get(port: opsPort, path: "/readyz")
      #expect(ready.status == 200)

      let tenant = TestDatabase.uniqueTenant("run")
      var request = Erp_Common_V1_ProvisionTenantRequest()
      request.tenantID = tenant.slug
      let info = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)
      #expect(info.schemaVersion == 1)

      let anonymous = GRPCClient(
        transport: ERPTransport.Client(targets: [
          .init(host: "127.0.0.1", port: try await runner.rpcPort)
        ])
      )
      try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await anonymous.runConnections() }
        defer { anonymous.beginGracefulShutdown() }
        let error = await #expect(throws: RPCError.self) {
          try await Erp_Common_V1_TenantAdmin.Client(wrapping: anonymous).provision(request)
        }
        #expect(error?.code == .unauthenticated)
      }

      let metrics = try await OpsProbe.get(port: opsPort, path: "/metrics")
      #expect(
        metrics.body.contains("method=\"erp.common.v1.TenantAdmin/Provision\",code=\"OK\"} 1")
      )
      #expect(
        metrics.body.contains(
          "method=\"erp.common.v1.TenantAdmin/Provision\",code=\"unauthenticated\"} 1"
        )
      )
      #expect(metrics.body.contains("erp_db_pool_open"))
    }
  }

  @Test("every request is validated: a NUL byte is refused naming the field")
  func validatesRequests() async throws {
    try await withRunner { _, client in
      var request = Erp_Common_V1_ProvisionTenantRequest()
      request.tenantID = "acme\u{0}x"
      let error = await #expect(throws: RPCError.self) {
        try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "tenant_id: must not contain a NUL byte")
    }
  }

  @Test("graceful shutdown lets a call in flight finish")
  func drainsInFlightCalls() async throws {
    try await withRunner { runner, client in
      let tenant = TestDatabase.uniqueTenant("drain")
      var request = Erp_Common_V1_ProvisionTenantRequest()
      request.tenantID = tenant.slug
      _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: client).provision(request)

      var metadata = Metadata()
      metadata.addString(tenant.slug, forKey: MetadataKeys.tenant)
      async let answer = client.unary(
        request: ClientRequest(message: [1], metadata: metadata),
        descriptor: SlowService.slow,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { try $0.message }
      // The call is in the handler, then the shutdown begins, and only then may it answer: a
      // drain that cancelled or refused it would fail the call.
      for await _ in SlowService.arrivals.stream { break }
      await runner.shutdown()
      SlowService.releases.continuation.yield()
      let bytes = try await answer
      #expect(String(decoding: bytes, as: UTF8.self) == tenant.slug)
    }
  }
}

import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import GRPCCore
import Testing

/// Reports what a handler sees of its call: "tenant|request id|has deadline".
private struct ContextProbeService: RegistrableRPCService {
  static let show = MethodDescriptor(fullyQualifiedService: "test.Probe", method: "Show")
  static let relay = MethodDescriptor(fullyQualifiedService: "test.Probe", method: "Relay")

  /// Where Relay forwards to (another server), with the downstream interceptor.
  let downstream: GRPCClient<ERPTransport.Client>?

  func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
    router.registerHandler(
      forMethod: Self.show,
      deserializer: RawDeserializer(),
      serializer: RawSerializer()
    ) {
      _,
      _ in
      let seen = [
        RequestContext.tenant?.slug ?? "-", RequestContext.requestID ?? "-",
        RequestContext.deadline == nil ? "no deadline" : "deadline",
      ].joined(separator: "|")
      return StreamingServerResponse(single: ServerResponse(message: Array(seen.utf8)))
    }
    router.registerHandler(
      forMethod: Self.relay,
      deserializer: RawDeserializer(),
      serializer: RawSerializer()
    ) {
      _,
      _ in
      let answer = try await self.downstream!.unary(
        request: ClientRequest(message: [UInt8]()),
        descriptor: Self.show,
        serializer: RawSerializer(),
        deserializer: RawDeserializer(),
        options: .defaults
      ) { try $0.message }
      return StreamingServerResponse(single: ServerResponse(message: answer))
    }
  }
}

@Suite("Service authentication and tenant interceptors")
struct InterceptorTests {
  static let secret = "s3cret-for-tests"

  /// Runs a probe server guarded by both interceptors, and a client to it.
  private func withGuardedServer(
    downstream: GRPCClient<ERPTransport.Client>? = nil,
    _ body: @Sendable (GRPCClient<ERPTransport.Client>, ConnectionPool, Int) async throws -> Void
  ) async throws {
    let pool = try await TestDatabase.pool(maxConnections: 2)
    try await withLoopbackServer(
      services: [ContextProbeService(downstream: downstream)],
      interceptors: [ServiceAuthInterceptor(secret: Self.secret), TenantInterceptor(pool: pool)]
    ) { client, port in
      try await body(client, pool, port)
    }
    await pool.shutdown()
  }

  private func show(
    _ client: GRPCClient<ERPTransport.Client>,
    _ metadata: Metadata,
    method: MethodDescriptor = ContextProbeService.show,
    options: CallOptions = .defaults
  ) async throws -> String {
    let bytes = try await client.unary(
      request: ClientRequest(message: [UInt8](), metadata: metadata),
      descriptor: method,
      serializer: RawSerializer(),
      deserializer: RawDeserializer(),
      options: options
    ) { try $0.message }
    return String(decoding: bytes, as: UTF8.self)
  }

  @Test("a missing or wrong service secret is UNAUTHENTICATED")
  func serviceSecret() async throws {
    try await self.withGuardedServer { client, _, _ in
      for metadata: Metadata in [
        [:], ["x-erp-service-secret": "guess"], ["x-erp-service-secret": ""],
      ] {
        let error = await #expect(throws: RPCError.self) {
          _ = try await self.show(client, metadata)
        }
        #expect(error?.code == .unauthenticated)
      }
    }
  }

  @Test("the tenant is required, validated, and must be provisioned")
  func tenantChecks() async throws {
    try await self.withGuardedServer { client, pool, _ in
      let base: Metadata = ["x-erp-service-secret": .string(Self.secret)]
      let missing = await #expect(throws: RPCError.self) { _ = try await self.show(client, base) }
      #expect(missing?.code == .invalidArgument)
      #expect(missing?.message.contains("x-erp-tenant") == true)

      var hostile = base
      hostile.addString("acme'; --", forKey: "x-erp-tenant")
      let invalid = await #expect(throws: RPCError.self) {
        _ = try await self.show(client, hostile)
      }
      #expect(invalid?.code == .invalidArgument)

      let tenant = TestDatabase.uniqueTenant("i")
      var known = base
      known.addString(tenant.slug, forKey: "x-erp-tenant")
      known.addString("req-42", forKey: "x-erp-request-id")
      let unknown = await #expect(throws: RPCError.self) { _ = try await self.show(client, known) }
      #expect(unknown?.code == .notFound)

      try await pool.provision(tenant, migrations: [])
      #expect(try await self.show(client, known) == "\(tenant.slug)|req-42|no deadline")
    }
  }

  @Test("downstream calls carry the secret, tenant, request id and remaining deadline")
  func propagation() async throws {
    // The downstream server checks everything; the front server relays to it.
    try await self.withGuardedServer { downstreamClientUnused, pool, downstreamPort in
      _ = downstreamClientUnused
      let downstream = GRPCClient(
        transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: downstreamPort)]),
        interceptors: [DownstreamInterceptor(secret: Self.secret)]
      )
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await downstream.runConnections() }
        defer { downstream.beginGracefulShutdown() }
        try await self.withGuardedServer(downstream: downstream) { front, _, _ in
          let tenant = TestDatabase.uniqueTenant("p")
          try await pool.provision(tenant, migrations: [])
          var metadata: Metadata = ["x-erp-service-secret": .string(Self.secret)]
          metadata.addString(tenant.slug, forKey: "x-erp-tenant")
          metadata.addString("order-7", forKey: "x-erp-request-id")
          var options = CallOptions.defaults
          options.timeout = .seconds(30)
          let seen = try await self.show(
            front,
            metadata,
            method: ContextProbeService.relay,
            options: options
          )
          #expect(seen == "\(tenant.slug)|order-7|deadline")
        }
      }
    }
  }
}

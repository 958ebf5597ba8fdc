import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Logging
import NIOConcurrencyHelpers
import Prometheus

struct SystemFailure: Error, CustomStringConvertible {
  var description: String
}

/// The value of one series in Prometheus text (`name{labels} value`), nil when absent.
func sample(_ series: String, in body: String) -> Double? {
  for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
    return Double(line.dropFirst(series.count + 1))
  }
  return nil
}

/// A message logged by the notes handler, with everything that breaks naive log writers.
let hostileMessage = "note \"quoted\" \\ back\u{0}nul\nnew line\ttab — نص عربي 🧾"

/// `test.Notes/Write`: queues an outbox message keyed by the request's bytes (empty: refused
/// with INVALID_ARGUMENT, the failing call) in the calling tenant and delivers it at once, as a
/// real handler does; it logs ``hostileMessage`` on the way.
struct NotesService: RegistrableRPCService {
  static let write = MethodDescriptor(fullyQualifiedService: "test.Notes", method: "Write")
  let pool: ConnectionPool
  let relay: OutboxRelay
  let logger: Logger

  func registerMethods<T: ServerTransport>(with router: inout RPCRouter<T>) {
    router.registerHandler(
      forMethod: Self.write,
      deserializer: RawDeserializer(),
      serializer: RawSerializer()
    ) { request, _ in
      var bytes: [UInt8] = []
      for try await message in request.messages { bytes += message }
      guard !bytes.isEmpty else {
        throw RPCError(code: .invalidArgument, message: "key: must not be empty")
      }
      let key = String(decoding: bytes, as: UTF8.self)
      self.logger.info("\(hostileMessage)")
      try await inCallingTenant { tenant in
        try await self.pool.withTenant(tenant) { session in
          try await Outbox.enqueue(session, topic: "finance.note", key: key, payload: "{}")
        }
        await self.relay.deliverWritten(tenant)
      }
      return StreamingServerResponse(single: ServerResponse(message: bytes))
    }
  }
}

/// A whole service on the production runner (interceptors, ops port, pool, outbox relay),
/// logging JSON into `lines`. Its peer `customers` is itself (the port is chosen first), so a
/// delivery makes a real peer call (TenantAdmin/Describe) through the runner's peer clients;
/// messages keyed `stuck…` fail as if the peer were down and stay pending.
func withObservedService(
  _ lines: LogLines,
  _ body: @Sendable (ServiceRunner, GRPCClient<ERPTransport.Client>) async throws -> Void
) async throws {
  let secret = "observability-test-secret-0123"
  let port = try FreePorts.one()
  let definition = ServiceDefinition(
    name: "finance",
    migrations: Outbox.migrations(version: 1),
    make: { environment in
      let peers = environment.peers
      let relay = OutboxRelay(
        pool: environment.pool,
        logger: environment.logger,
        metrics: environment.metrics
      ) { tenant, message in
        guard !message.key.hasPrefix("stuck") else {
          throw RPCError(code: .unavailable, message: "receiver down")
        }
        var request = Erp_Common_V1_DescribeTenantRequest()
        request.tenantID = tenant.slug
        _ = try await Erp_Common_V1_TenantAdmin.Client(wrapping: try peers.client("customers"))
          .describe(request)
        return "ok"
      }
      return ServiceParts(
        services: [NotesService(pool: environment.pool, relay: relay, logger: environment.logger)],
        background: [relay]
      )
    }
  )
  let configuration = try ServiceConfiguration(
    service: ServiceCatalog.entry(named: "finance")!,
    options: try ServiceOptions.parse(["--port", "\(port)", "--ops-port", "0"]),
    environment: [
      "ERP_DATABASE_URL": try await TestDatabase.isolatedConninfo("erp_observed_test"),
      "ERP_SERVICE_SECRET": secret,
      "ERP_PEER_CUSTOMERS": "127.0.0.1:\(port)",
    ]
  )
  var logger = Logger(label: "erp-finance") {
    JSONLogHandler(label: $0, metadataProvider: .erpRequestContext, write: lines.append)
  }
  logger.logLevel = .debug
  let runner = ServiceRunner(
    definition: definition,
    configuration: configuration,
    logger: logger,
    registry: PrometheusCollectorRegistry(),
    handlesSignals: false
  )
  try await withThrowingTaskGroup(of: Void.self) { group in
    group.addTask { try await runner.run() }
    let client = GRPCClient(
      transport: ERPTransport.Client(targets: [.init(host: "127.0.0.1", port: port)]),
      interceptors: [DownstreamInterceptor(secret: secret)]
    )
    group.addTask { try await client.runConnections() }
    let result: Result<Void, any Error>
    do {
      _ = try await runner.rpcPort
      guard await runner.migrated() else { throw SystemFailure(description: "not migrated") }
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

import ERPRuntime
import ERPStore
import ERPTestSupport
import GRPCCore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Testing

/// The spans the ConfirmOrder trace does not show on its own: a wait for a pooled connection
/// (the trace's pools never run out), and an outbox delivery the background loop makes after
/// the receiver was down (the trace's delivery goes through at once, inside the writer's call).
@Suite("Tracing: pool waits and background outbox deliveries, exported over OTLP/HTTP")
struct StoreAndOutboxSpanTests {
  static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

  @Test("a call that waits for a pooled connection has a db.pool.wait span under its own")
  func poolWaitSpan() async throws {
    try await Self.withTracer { receiver, tracer in
      let pool = try await TestDatabase.pool(maxConnections: 1) { $0.tracer = tracer }
      let held = AsyncStream.makeStream(of: Void.self)
      let release = AsyncStream.makeStream(of: Void.self)
      try await withThrowingTaskGroup(of: Void.self) { group in
        // Holds the pool's only connection until told to let go.
        group.addTask {
          try await pool.withSession { _ in
            held.continuation.yield()
            for await _ in release.stream { break }
          }
        }
        for await _ in held.stream { break }
        group.addTask {
          try await tracer.withSpan("caller") { _ in
            try await pool.withSession { try await $0.query("SELECT 1") }
          }
        }
        try await eventually("the caller waits for the held connection") {
          pool.statistics.waiting == 1
        }
        release.continuation.yield()
        try await group.waitForAll()
      }
      await pool.shutdown()

      try await eventually("the caller's and the wait's spans arrive") {
        let names = Set(receiver.received.map(\.name))
        return names.contains("caller") && names.contains("db.pool.wait")
      }
      let caller = try #require(receiver.received.first { $0.name == "caller" })
      let waits = receiver.received.filter { $0.name == "db.pool.wait" }
      #expect(waits.count == 1)
      let wait = try #require(waits.first)
      #expect(wait.traceID == caller.traceID)
      #expect(wait.parentSpanID == caller.spanID)
      #expect(wait.kind == .client)
      #expect(wait.attributes["db.system"] == "postgresql")
      #expect(wait.attributes["db.pool.max_connections"] == "1")
      #expect(!wait.failed)
      // The statement that ran once the connection came is the caller's child too.
      let select = try #require(receiver.received.first { $0.name == "SELECT" })
      #expect(select.parentSpanID == caller.spanID)
    }
  }

  @Test("receiver down, then up: the background delivery links to the writer, after a retry")
  func backgroundDeliveryAfterRetry() async throws {
    try await Self.withTracer { receiver, tracer in
      var config = ConnectionPool.Config(
        conninfo: try await TestDatabase.isolatedConninfo("tr_outbox_background")
      )
      config.maxConnections = 4
      config.tracer = tracer
      let pool = ConnectionPool(config: config)
      let tenant = TestDatabase.uniqueTenant("obg")
      try await pool.provision(tenant, migrations: Outbox.migrations(version: 1))
      // The receiver: down for the first attempt, up for every later one.
      let attempts = NIOLockedValueBox(0)
      let relay = OutboxRelay(
        pool: pool,
        logger: Self.logger,
        probeInterval: .milliseconds(50)
      ) { _, _ in
        let attempt = attempts.withLockedValue {
          $0 += 1; return $0
        }
        guard attempt > 1 else { throw RPCError(code: .unavailable, message: "receiver down") }
        return "ok"
      }
      let group = ServiceGroup(services: [relay], logger: Self.logger)
      try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
          try await ServiceTracer.$current.withValue(tracer) { try await group.run() }
        }
        // Written in a traced call that leaves delivery to the background loop.
        try await ServiceTracer.$current.withValue(tracer) {
          try await tracer.withSpan("writer") { _ in
            try await pool.withTenant(tenant) { session in
              try await Outbox.enqueue(session, topic: "customers.note", key: "n-1", payload: "{}")
            }
          }
        }
        relay.visitLater(tenant)
        try await eventually("the message is delivered") {
          let rows = try await pool.tenantQuery(
            tenant,
            "SELECT 1 FROM outbox WHERE key = 'n-1' AND delivered_at IS NOT NULL"
          )
          return !rows.isEmpty
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
      }
      await pool.shutdown()

      let name = "outbox.deliver customers.note"
      try await eventually("both delivery spans and the writer's arrive") {
        let spans = receiver.received
        return spans.filter { $0.name == name }.count == 2 && spans.contains { $0.name == "writer" }
      }
      let spans = receiver.received
      let writer = try #require(spans.first { $0.name == "writer" })
      // What wrote the message: the writer's transaction, inside the writer's span.
      let transaction = try #require(
        spans.first { $0.name == "TRANSACTION" && $0.parentSpanID == writer.spanID }
      )
      let deliveries = spans.filter { $0.name == name }.sorted {
        ($0.attributes["erp.outbox.attempt"] ?? "") < ($1.attributes["erp.outbox.attempt"] ?? "")
      }
      let (failed, delivered) = (deliveries[0], deliveries[1])
      for delivery in deliveries {
        // The background loop's own trace, found from the writer's through the link.
        #expect(delivery.parentSpanID.isEmpty)
        #expect(delivery.traceID != writer.traceID)
        #expect(delivery.kind == .producer)
        #expect(delivery.attributes["erp.tenant"] == tenant.slug)
        #expect(delivery.attributes["messaging.message.id"] == "n-1")
        #expect(delivery.links.count == 1)
        #expect(delivery.links.first?.traceID == writer.traceID)
        #expect(delivery.links.first?.spanID == transaction.spanID)
      }
      #expect(failed.attributes["erp.outbox.attempt"] == "1")
      #expect(failed.failed)
      #expect(failed.events.contains("outbox.retry_scheduled"))
      #expect(delivered.attributes["erp.outbox.attempt"] == "2")
      #expect(!delivered.failed)
      #expect(!delivered.events.contains("outbox.retry_scheduled"))
    }
  }

  /// A tracer exporting to a receiver of the test's own (batches every 50 ms), with its
  /// exporter running for the duration of `body`.
  static func withTracer(
    _ body: @Sendable (OTLPReceiver, ServiceTracer) async throws -> Void
  ) async throws {
    try await OTLPReceiver.run { receiver in
      let backend = try #require(
        try ServiceTracing.backend(
          service: "erp-test",
          variables: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "50",
          ],
          logger: Self.logger
        )
      )
      let exporter = ServiceGroup(services: [backend.service], logger: Self.logger)
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await exporter.run() }
        do {
          try await body(receiver, backend.tracer)
        } catch {
          await exporter.triggerGracefulShutdown()
          throw error
        }
        await exporter.triggerGracefulShutdown()
        try await group.waitForAll()
      }
    }
  }
}

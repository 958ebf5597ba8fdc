import ERPRuntime
import ERPTestSupport
import Logging
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle
import Testing

/// Runs an ops server on a free port for `body`, then shuts it down.
private func withOpsServer(
  registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
  readiness: @escaping OpsServer.Readiness,
  _ body: @Sendable (Int) async throws -> Void
) async throws {
  let ops = OpsServer(
    host: "127.0.0.1",
    port: 0,
    registry: registry,
    logger: Logger(label: "test"),
    readiness: readiness
  )
  let group = ServiceGroup(services: [ops], logger: Logger(label: "test"))
  try await withThrowingTaskGroup(of: Void.self) { tasks in
    tasks.addTask { try await group.run() }
    let result: Result<Void, any Error>
    do {
      result = .success(try await body(try await ops.listeningPort))
    } catch {
      result = .failure(error)
    }
    await group.triggerGracefulShutdown()
    try await tasks.waitForAll()
    try result.get()
  }
}

@Suite("The ops HTTP port: health, readiness, metrics")
struct OpsServerTests {
  @Test("healthz answers; readyz follows the readiness check; unknown paths are 404")
  func probes() async throws {
    let problem = NIOLockedValueBox<String?>("database unreachable")
    try await withOpsServer(readiness: { problem.withLockedValue { $0 } }) { port in
      let health = try await OpsProbe.get(port: port, path: "/healthz")
      #expect(health.status == 200)
      let notReady = try await OpsProbe.get(port: port, path: "/readyz")
      #expect(notReady.status == 503)
      #expect(notReady.body.contains("database unreachable"))
      problem.withLockedValue { $0 = nil }
      let ready = try await OpsProbe.get(port: port, path: "/readyz")
      #expect(ready.status == 200)
      let missing = try await OpsProbe.get(port: port, path: "/nope")
      #expect(missing.status == 404)
    }
  }

  @Test("many probes in a row and at once are all answered")
  func manyProbes() async throws {
    try await withOpsServer(readiness: { nil }) { port in
      for _ in 0..<50 {
        let answer = try await OpsProbe.get(port: port, path: "/healthz")
        #expect(answer.status == 200)
      }
      try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<20 {
          group.addTask { try await OpsProbe.get(port: port, path: "/readyz").status }
        }
        for try await status in group { #expect(status == 200) }
      }
    }
  }

  @Test("readyz reflects a real database pool")
  func readinessFromPool() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    try await withOpsServer(readiness: {
      do {
        try await pool.withSession { try await $0.query("SELECT 1") }
        return nil
      } catch {
        return "database: \(error)"
      }
    }) { port in
      let before = try await OpsProbe.get(port: port, path: "/readyz")
      #expect(before.status == 200)
      await pool.shutdown()
      let after = try await OpsProbe.get(port: port, path: "/readyz")
      #expect(after.status == 503)
    }
  }

  @Test("metrics are Prometheus text from the registry")
  func metricsText() async throws {
    let registry = PrometheusCollectorRegistry()
    registry.makeCounter(
      descriptor: .init(metricName: "probe_test", unitName: "total", helpText: "A test counter.")
    ).increment(by: Int64(3))
    try await withOpsServer(registry: registry, readiness: { nil }) { port in
      let metrics = try await OpsProbe.get(port: port, path: "/metrics")
      #expect(metrics.status == 200)
      #expect(metrics.body.contains("# TYPE probe_test_total counter"))
      #expect(metrics.body.contains("probe_test_total 3"))
    }
  }
}

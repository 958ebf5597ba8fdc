import ERPDevCluster
import ERPRuntime
import ERPStore
import ERPTestSupport
import Foundation
import Logging
import Testing

@testable import Gateway

@Suite("Gateway: the audit log loses no row through a PostgreSQL outage")
struct AuditLogTests {
  @Test("rows recorded while PostgreSQL is down are written once it is back; a full queue refuses")
  func outage() async throws {
    try await PrivateCluster.withTemporary("erp-audit-outage") { cluster in
      var config = ConnectionPool.Config(conninfo: cluster.conninfo())
      config.maxConnections = 2
      config.acquireTimeout = .seconds(1)
      let pool = ConnectionPool(config: config)
      try await GatewayService.prepareDatabase(pool)
      try await cluster.stop()

      let audit = AuditLog(
        pool: pool,
        logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        capacity: 50,
        initialBackoff: .milliseconds(20),
        maximumBackoff: .milliseconds(200)
      )
      func row(_ index: Int) -> AuditLog.Row {
        AuditLog.Row(
          keyID: "key_\(index)",
          tenant: "acme",
          method: "erp.customers.v1.Customers/GetCustomer#\(index)",
          code: index % 2 == 0 ? "OK" : "notFound",
          milliseconds: index,
          at: Date()
        )
      }
      for index in 0..<50 {
        #expect(audit.hasRoom)
        audit.record(row(index))
      }
      // Full while the database is away: new calls are to be refused, not served unaudited.
      #expect(!audit.hasRoom)
      #expect(audit.pending == 50)

      _ = try await PrivateCluster.start(in: cluster.directory, durable: false)
      let end = ContinuousClock.now + .seconds(60)
      while audit.pending > 0, ContinuousClock.now < end {
        try await Task.sleep(for: .milliseconds(50))
      }
      #expect(audit.pending == 0)
      #expect(audit.hasRoom)
      let written = try await pool.withSession { session in
        try await session.query(
          "SELECT key_id, milliseconds FROM gateway.audit ORDER BY milliseconds"
        )
        .map { try $0.decode("milliseconds", as: Int.self) }
      }
      #expect(written == Array(0..<50))
      await pool.shutdown()
    }
  }
}

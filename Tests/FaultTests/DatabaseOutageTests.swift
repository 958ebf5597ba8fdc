import ERPDevCluster
import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import NIOConcurrencyHelpers
import Testing

@Suite("Faults: PostgreSQL stopped and started under load")
struct DatabaseOutageTests {
  /// erp-finance on a PostgreSQL cluster of this test's own. Four clients post without pause;
  /// the cluster is stopped (`pg_ctl stop -m fast`) while they do, and started again once calls
  /// have failed. The same process recovers: during the outage calls fail with UNAVAILABLE only;
  /// after the cluster is back, calls succeed again, and once one has, every call begun later
  /// succeeds (no dead connection handed out); every acknowledged entry is in the books.
  @Test("the service recovers without restart; UNAVAILABLE meanwhile; no acknowledged write lost")
  func outageUnderLoad() async throws {
    let directory =
      NSTemporaryDirectory() + "erp-fault-pg-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let cluster = try await PrivateCluster.start(in: directory, durable: false)
    try await cluster.createDatabase("erp_finance")
    let finance = try ServiceUnderFault(
      "finance",
      conninfo: cluster.conninfo(database: "erp_finance")
    )
    var config = ConnectionPool.Config(conninfo: cluster.conninfo(database: "erp_finance"))
    config.maxConnections = 2
    let pool = ConnectionPool(config: config)
    let tenant = TestDatabase.uniqueTenant("po")
    do {
      try await finance.start()
      try await Postings.prepare(finance, tenant)

      let log = RetryLog()
      let done = NIOLockedValueBox(false)
      let workers = Task {
        try await withThrowingTaskGroup(of: [String: String].self) { group in
          for worker in 0..<4 {
            group.addTask {
              try await finance.client(tenant) { client in
                let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
                var answers: [String: String] = [:]
                var index = 0
                while !done.withLockedValue({ $0 }) {
                  let request = Postings.entry(worker: worker, index: index)
                  let entry = try await log.untilAnswered { try await ledger.postEntry(request) }
                  answers[request.requestID] = entry.number
                  index += 1
                }
                return answers
              }
            }
          }
          var all: [String: String] = [:]
          for try await answers in group { all.merge(answers) { first, _ in first } }
          return all
        }
      }

      try await Self.waitUntil("20 postings answered") { await log.answered >= 20 }
      try await cluster.stop()
      try await Self.waitUntil("calls failing during the outage") { await log.failures.count >= 8 }
      let restarted = ContinuousClock.now
      _ = try await PrivateCluster.start(in: directory, durable: false)
      let answeredBefore = await log.answered
      try await Self.waitUntil("postings answered again") {
        await log.answered >= answeredBefore + 20
      }
      done.withLockedValue { $0 = true }
      let acknowledged = try await workers.value

      let failures = await log.failures
      #expect(failures.allSatisfy { $0.code == .unavailable }, "\(failures.map(\.code))")
      let answeredAt = await log.answeredAt
      let recovered = try #require(answeredAt.first { $0 > restarted })
      #expect(
        !failures.contains { $0.began > recovered },
        "a call begun after the recovery failed"
      )
      let stored = try await pool.tenantQuery(
        tenant,
        "SELECT request_id, number FROM journal_entry"
      )
      var numbers: [String: String] = [:]
      for row in stored {
        numbers[try row.decode("request_id", as: String.self)] = try row.decode(
          "number",
          as: String.self
        )
      }
      for (requestID, number) in acknowledged {
        #expect(numbers[requestID] == number, "\(requestID) lost")
      }
      try await Postings.expectBalanced(pool, tenant, finance)
    } catch {
      await Self.tearDown(finance, pool, cluster, directory)
      throw error
    }
    await Self.tearDown(finance, pool, cluster, directory)
  }

  static func waitUntil(
    _ what: String,
    within limit: Duration = .seconds(60),
    _ condition: () async throws -> Bool
  ) async throws {
    let deadline = ContinuousClock.now + limit
    while try await !condition() {
      guard ContinuousClock.now < deadline else {
        Issue.record("no \(what) within \(limit)")
        throw CancellationError()
      }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  static func tearDown(
    _ finance: ServiceUnderFault,
    _ pool: ConnectionPool,
    _ cluster: PrivateCluster,
    _ directory: String
  ) async {
    await finance.stop()
    await pool.shutdown()
    _ = try? await cluster.stop()
    try? FileManager.default.removeItem(atPath: directory)
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

@Suite("Faults: erp-finance killed with -9 while clients post and retry")
struct FinanceKillTests {
  /// Eight clients post 25 entries each (two currencies), each retrying its PostEntry with the
  /// same request id until it is answered. After 40 answers erp-finance is killed with -9 and
  /// started again. Every request id then has exactly one entry, the one its client was told,
  /// and the books balance in every currency.
  @Test("every acknowledged entry exists once; the books balance in every currency")
  func killedDuringPostings() async throws {
    let conninfo = try await TestDatabase.isolatedConninfo("fault_finance_kill")
    let finance = try ServiceUnderFault("finance", conninfo: conninfo)
    try await finance.start()
    let tenant = TestDatabase.uniqueTenant("fk")
    let pool = try await TestDatabase.isolatedPool("fault_finance_kill", maxConnections: 2)
    do {
      try await Postings.prepare(finance, tenant)

      let log = RetryLog()
      let clients = 8
      let perClient = 25
      let killing = Task {
        while await log.answered < 40 { try await Task.sleep(for: .milliseconds(10)) }
        try await finance.kill()
        try await finance.start()
      }
      let acknowledged = try await withThrowingTaskGroup(of: [String: String].self) { group in
        for worker in 0..<clients {
          group.addTask {
            try await finance.client(tenant) { client in
              let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
              var answers: [String: String] = [:]
              for index in 0..<perClient {
                let request = Postings.entry(worker: worker, index: index)
                let entry = try await log.untilAnswered { try await ledger.postEntry(request) }
                answers[request.requestID] = entry.number
              }
              return answers
            }
          }
        }
        var all: [String: String] = [:]
        for try await answers in group { all.merge(answers) { first, _ in first } }
        return all
      }
      try await killing.value
      #expect(acknowledged.count == clients * perClient)
      // The kill landed while postings were in flight: some attempts failed and were retried.
      let failures = await log.failures
      #expect(!failures.isEmpty)

      let entries = try await pool.tenantQuery(
        tenant,
        "SELECT request_id, number FROM journal_entry"
      )
      var stored: [String: [String]] = [:]
      for row in entries {
        stored[try row.decode("request_id", as: String.self), default: []].append(
          try row.decode("number", as: String.self)
        )
      }
      #expect(stored.count == acknowledged.count)
      for (requestID, number) in acknowledged {
        #expect(stored[requestID] == [number], "\(requestID)")
      }
      try await Postings.expectBalanced(pool, tenant, finance)
    } catch {
      await finance.stop()
      await pool.shutdown()
      throw error
    }
    await finance.stop()
    await pool.shutdown()
  }
}

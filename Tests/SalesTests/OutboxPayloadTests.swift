import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@Suite("Sales outbox payloads")
struct OutboxPayloadTests {
  /// A message written by a newer replica (a field this one does not know) is still
  /// delivered during a rolling upgrade, to the customers service and to finance alike.
  @Test("Payloads with a field this version does not know are delivered")
  func unknownFieldsAreTolerated() async throws {
    try await SalesStack.run { stack in
      var event = Erp_Customers_V1_AppendEventRequest()
      event.requestID = "sales:upgrade:event"
      event.customerID = stack.customerID
      event.source = "sales"
      event.eventType = "rolling_upgrade"
      event.occurredAt = Google_Protobuf_Timestamp(date: Date())
      event.summary = "تحديث"
      var entry = FinancePostings.entry(
        date: CalendarDate.today(),
        memo: "upgrade",
        source: ("test", "upgrade"),
        debit: "cash",
        credit: "share_capital",
        amount: 50_00,
        currency: "SAR"
      )
      entry.requestID = "sales:upgrade:entry"
      try await stack.salesPool.withTenant(stack.tenant) { session in
        for (topic, key, json) in [
          ("customers.event", "sales:upgrade:event", try event.jsonString()),
          (FinancePostings.entryTopic, "sales:upgrade:entry", try entry.jsonString()),
        ] {
          // A field from the future, at the top level and inside a line.
          var payload = "{\"fromTheFuture\":\"x\"," + json.dropFirst()
          if topic == FinancePostings.entryTopic {
            payload = payload.replacingOccurrences(
              of: "\"lines\":[{",
              with: "\"lines\":[{\"lineFromTheFuture\":7,"
            )
          }
          try await Outbox.enqueue(session, topic: topic, key: key, payload: payload)
        }
      }
      let undelivered = await stack.relay.deliverPending(stack.tenant)
      let errors = try await stack.salesPool.tenantQuery(
        stack.tenant,
        "SELECT key, last_error FROM outbox WHERE last_error IS NOT NULL"
      ).map {
        "\(try $0.decode("key", as: String.self)): \(try $0.decode("last_error", as: String.self))"
      }
      #expect(undelivered == 0, "\(errors)")
      #expect(try await stack.events("rolling_upgrade").count == 1)
      #expect(try await stack.balance(role: "cash") == 50_00)
    }
  }

  /// Finance resolves accounts named by role itself, so an entry delivered again after the
  /// chart changed (the first answer lost) is the same request: the first entry is answered,
  /// nothing posted twice, the message not stranded.
  @Test("An entry by role retried after a chart change gets its first answer")
  func retryAfterAChartChange() async throws {
    try await SalesStack.run { stack in
      try await stack.salesPool.withTenant(stack.tenant) { session in
        try await FinancePostings.queueEntry(
          session,
          key: "sales:chart:entry",
          FinancePostings.entry(
            date: CalendarDate.today(),
            memo: "capital",
            source: ("test", "chart"),
            debit: "cash",
            credit: "share_capital",
            amount: 70_00,
            currency: "SAR"
          )
        )
      }
      #expect(await stack.relay.deliverPending(stack.tenant) == 0)
      let result: @Sendable () async throws -> String? = {
        try await stack.salesPool.tenantQuery(
          stack.tenant,
          "SELECT result FROM outbox WHERE key = 'sales:chart:entry'"
        )[0].decodeIfPresent("result")
      }
      let first = try #require(try await result())
      // The acknowledgement is lost (as if sales died before recording it) and, before the
      // retry, the tenant's cash moves to a new bank account.
      _ = try await stack.salesPool.tenantQuery(
        stack.tenant,
        "UPDATE outbox SET delivered_at = NULL, result = NULL WHERE key = 'sales:chart:entry'"
      )
      try await stack.system["finance"]!.pool.withTenant(stack.tenant) { session in
        try await session.query(
          "UPDATE account SET active = active, role = NULL WHERE role = 'cash'"
        )
        try await session.query(
          "INSERT INTO account (code, name, type, role, parent_id) "
            + "SELECT '1110', 'Bank', 'asset', 'cash', id FROM account WHERE code = '1000'"
        )
      }
      #expect(await stack.relay.deliverPending(stack.tenant) == 0)
      #expect(try await result() == first)
      var request = Erp_Finance_V1_GetEntryRequest()
      request.number = first
      let posted = try await stack.ledger.getEntry(request)
      #expect(posted.lines.map(\.accountCode).sorted() == ["1100", "3100"])
    }
  }
}

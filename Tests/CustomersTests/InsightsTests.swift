import ERPProtos
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

private func day(_ year: Int32, _ month: Int32, _ day: Int32) -> Erp_Common_V1_Date {
  var date = Erp_Common_V1_Date()
  date.year = year
  date.month = month
  date.day = day
  return date
}

/// Noon UTC on a day of 2026, counted from 1 January.
private func noon(dayOfYear: Int64) -> Google_Protobuf_Timestamp {
  var timestamp = Google_Protobuf_Timestamp()
  timestamp.seconds = 1_767_225_600 + (dayOfYear - 1) * 86_400 + 43_200
  return timestamp
}

@Suite("Customers: analytics and reports")
struct InsightsTests {
  @Test("RFM, lifetime value, customers at risk and top customers from order events")
  func analytics() async throws {
    try await CustomersHarness.withAll { customers, interactions, _, insights in
      // (name, order days of 2026, amount per order)
      let histories: [(String, [Int64], Int64)] = [
        ("Champion Co", [300, 310, 320, 330, 340], 2_000_00),
        ("Steady LLC", [200, 250, 300, 335], 500_00),
        ("Lapsed Est", [20, 40, 60], 1_000_00),
        ("One-off Ltd", [338], 100_00),
        ("Sleepy Inc", [10], 50_00),
      ]
      var ids: [String: String] = [:]
      for (name, days, amount) in histories {
        let customer = try await CustomersHarness.create(
          customers,
          name,
          CustomersHarness.customer(name)
        )
        ids[name] = customer.id
        for day in days {
          var event = Erp_Customers_V1_AppendEventRequest()
          event.requestID = "\(name)-\(day)"
          event.customerID = customer.id
          event.source = "sales"
          event.eventType = "order_confirmed"
          event.occurredAt = noon(dayOfYear: day)
          event.amount.currencyCode = "SAR"
          event.amount.unitsMinor = amount
          _ = try await interactions.appendEvent(event)
        }
      }
      var rfm = Erp_Customers_V1_RfmRequest()
      rfm.currencyCode = "SAR"
      rfm.asOf = day(2026, 12, 10)  // day 344
      let scored = try await insights.rfm(rfm)
      let byName = Dictionary(uniqueKeysWithValues: scored.customers.map { ($0.name, $0) })
      #expect(byName["Champion Co"]?.segment == "champions")
      #expect(byName["Champion Co"]?.frequency == 5)
      #expect(byName["Champion Co"]?.monetaryMinor == 10_000_00)
      #expect(byName["Champion Co"]?.lifetimeValueMinor == 10_000_00)
      #expect(byName["Champion Co"]?.recencyDays == 4)
      #expect(byName["Sleepy Inc"]?.segment == "hibernating")
      #expect(byName["One-off Ltd"]?.segment == "new")

      var risk = Erp_Customers_V1_AtRiskRequest()
      risk.days = 90
      risk.asOf = day(2026, 12, 10)
      #expect(
        try await insights.atRisk(risk).customers.map(\.name) == ["Sleepy Inc", "Lapsed Est"]
      )

      var top = Erp_Customers_V1_TopCustomersRequest()
      top.currencyCode = "SAR"
      top.from = day(2026, 1, 1)
      top.to = day(2026, 12, 31)
      top.limit = 2
      let best = try await insights.topCustomers(top)
      #expect(best.customers.map(\.name) == ["Champion Co", "Lapsed Est"])
      #expect(best.customers.map(\.revenueMinor) == [10_000_00, 3_000_00])
    }
  }

  @Test("activities per owner, pipeline by stage, new customers per month")
  func reports() async throws {
    try await CustomersHarness.withAll { customers, interactions, pipeline, insights in
      let customer = try await CustomersHarness.create(
        customers,
        "c",
        CustomersHarness.customer("Acme")
      )
      for (index, (owner, kind)) in [
        ("emp-1", Erp_Customers_V1_InteractionKind.call), ("emp-1", .call), ("emp-2", .meeting),
      ].enumerated() {
        var log = Erp_Customers_V1_LogInteractionRequest()
        log.requestID = "i\(index)"
        log.interaction.customerID = customer.id
        log.interaction.kind = kind
        log.interaction.occurredAt = noon(dayOfYear: 100)
        log.interaction.ownerID = owner
        _ = try await interactions.logInteraction(log)
      }
      var period = Erp_Customers_V1_PeriodRequest()
      period.from = day(2026, 4, 1)
      period.to = day(2026, 4, 30)
      let activities = try await insights.activitiesPerOwner(period)
      #expect(
        activities.activities.map { "\($0.ownerID) \($0.kind) \($0.count)" } == [
          "emp-1 call 2", "emp-2 meeting 1",
        ]
      )

      for (index, amount) in [1_000_00, 2_000_00].enumerated() {
        var request = Erp_Customers_V1_CreateOpportunityRequest()
        request.requestID = "o\(index)"
        request.opportunity.customerID = customer.id
        request.opportunity.name = "deal \(index)"
        request.opportunity.amount.currencyCode = "SAR"
        request.opportunity.amount.unitsMinor = Int64(amount)
        request.opportunity.expectedClose = day(2026, 12, 1)
        _ = try await pipeline.createOpportunity(request)
      }
      let byStage = try await insights.pipelineByStage(.init())
      #expect(
        byStage.stages.map { "\($0.stage) \($0.opportunities) \($0.amountMinor)" } == [
          "lead 2 300000"
        ]
      )

      var calendar = Calendar(identifier: .gregorian)
      calendar.timeZone = TimeZone(identifier: "UTC")!
      let now = calendar.dateComponents([.year, .month], from: Date())
      let lastDay = calendar.range(of: .day, in: .month, for: Date())!.count
      period.from = day(Int32(now.year!), Int32(now.month!), 1)
      period.to = day(Int32(now.year!), Int32(now.month!), Int32(lastDay))
      #expect(try await insights.newCustomers(period).months.map(\.count) == [1])
    }
  }
}

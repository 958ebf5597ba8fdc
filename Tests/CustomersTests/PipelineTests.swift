import ERPProtos
import GRPCCore
import Testing

private func opportunity(
  _ requestID: String,
  customer: String,
  amount: Int64,
  close: (Int32, Int32, Int32),
  owner: String = "emp-1",
  stage: String = ""
) -> Erp_Customers_V1_CreateOpportunityRequest {
  var request = Erp_Customers_V1_CreateOpportunityRequest()
  request.requestID = requestID
  request.opportunity.customerID = customer
  request.opportunity.name = "صفقة \(requestID)"
  request.opportunity.amount.currencyCode = "SAR"
  request.opportunity.amount.unitsMinor = amount
  request.opportunity.expectedClose.year = close.0
  request.opportunity.expectedClose.month = close.1
  request.opportunity.expectedClose.day = close.2
  request.opportunity.ownerID = owner
  request.opportunity.stage = stage
  return request
}

private func move(
  _ pipeline: PipelineClient,
  _ id: String,
  _ stage: String,
  reason: String = ""
)
  async throws -> Erp_Customers_V1_Opportunity
{
  var request = Erp_Customers_V1_MoveOpportunityRequest()
  request.id = id
  request.stage = stage
  request.reason = reason
  return try await pipeline.moveOpportunity(request)
}

@Suite("Customers: the sales pipeline")
struct PipelineTests {
  @Test(
    "a lead converts into a prospect with an opportunity; stage changes are kept; closing needs a reason"
  )
  func lifecycle() async throws {
    try await CustomersHarness.withPipeline { customers, pipeline in
      var lead = CustomersHarness.customer("Lead Co")
      lead.stage = .lead
      let customer = try await CustomersHarness.create(customers, "lead", lead)
      let created = try await pipeline.convertLead(
        opportunity("o1", customer: customer.id, amount: 50_000_00, close: (2026, 12, 15))
      )
      #expect(created.stage == "lead")
      #expect(created.outcome == .open)
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = customer.id
      #expect(try await customers.getCustomer(get).stage == .prospect)
      let again = await #expect(throws: RPCError.self) {
        try await pipeline.convertLead(
          opportunity("o2", customer: customer.id, amount: 1, close: (2026, 12, 1))
        )
      }
      #expect(again?.code == .failedPrecondition)

      _ = try await move(pipeline, created.id, "qualified")
      _ = try await move(pipeline, created.id, "proposal")
      let noReason = await #expect(throws: RPCError.self) {
        try await move(pipeline, created.id, "won")
      }
      #expect(noReason?.message.hasPrefix("reason:") == true)
      let won = try await move(pipeline, created.id, "won", reason: "best offer")
      #expect(won.outcome == .won)
      #expect(won.closeReason == "best offer")
      #expect(won.history.map(\.toStage) == ["lead", "qualified", "proposal", "won"])
      #expect(try await move(pipeline, created.id, "won", reason: "best offer").history.count == 4)
      let reopened = await #expect(throws: RPCError.self) {
        try await move(pipeline, created.id, "proposal")
      }
      #expect(reopened?.code == .failedPrecondition)
    }
  }

  @Test("the forecast weights by stage probability, rounding per opportunity; funnel and win rates")
  func forecastAndFunnel() async throws {
    try await CustomersHarness.withPipeline { customers, pipeline in
      let customer = try await CustomersHarness.create(
        customers,
        "c",
        CustomersHarness.customer("Acme")
      )
      // a ends in proposal: 999.99 at 50 % = 499.995 → 500.00 (half up); b: 100.01 at 10 % =
      // 10.001 → 10.00.
      let a = try await pipeline.createOpportunity(
        opportunity(
          "a",
          customer: customer.id,
          amount: 999_99,
          close: (2026, 12, 10),
          stage: "qualified"
        )
      )
      _ = try await pipeline.createOpportunity(
        opportunity("b", customer: customer.id, amount: 100_01, close: (2026, 12, 20))
      )
      let c = try await pipeline.createOpportunity(
        opportunity("c", customer: customer.id, amount: 500_00, close: (2027, 1, 5), owner: "emp-2")
      )
      let d = try await pipeline.createOpportunity(
        opportunity("d", customer: customer.id, amount: 300_00, close: (2027, 1, 9), owner: "emp-2")
      )
      _ = try await move(pipeline, c.id, "won", reason: "signed")
      _ = try await move(pipeline, d.id, "lost", reason: "price")
      _ = try await move(pipeline, a.id, "proposal")

      var request = Erp_Customers_V1_ForecastRequest()
      request.from.year = 2026
      request.from.month = 12
      request.from.day = 1
      request.to.year = 2027
      request.to.month = 1
      request.to.day = 31
      let forecast = try await pipeline.forecast(request)
      #expect(forecast.months.map(\.month) == [12, 1])
      #expect(forecast.months[0].weightedMinor == 500_00 + 10_00)
      #expect(forecast.months[1].weightedMinor == 500_00)  // the won one at 100 %, the lost one out

      let funnel = try await pipeline.funnel(.init())
      let reached = Dictionary(uniqueKeysWithValues: funnel.stages.map { ($0.stage, $0.reached) })
      #expect(reached["lead"] == 4)  // all four were leads once, the lost one included
      #expect(reached["proposal"] == 2)  // a, and c which went on to win
      #expect(reached["won"] == 1)
      #expect(funnel.owners.first { $0.ownerID == "emp-2" }?.winRateBasisPoints == 5_000)
    }
  }

  @Test("stages are configurable; closing stages keep their meaning")
  func stages() async throws {
    try await CustomersHarness.withPipeline { _, pipeline in
      var stage = Erp_Customers_V1_Stage()
      stage.code = "demo"
      stage.name = "عرض توضيحي"
      stage.probabilityPercent = 40
      stage.position = 25
      _ = try await pipeline.configureStage(stage)
      let stages = try await pipeline.listStages(.init()).stages
      #expect(
        stages.map(\.code) == [
          "lead", "qualified", "demo", "proposal", "negotiation", "won", "lost",
        ]
      )
      stage.code = "won"
      let refused = await #expect(throws: RPCError.self) {
        try await pipeline.configureStage(stage)
      }
      #expect(refused?.code == .failedPrecondition)
    }
  }
}

@Suite("Customers: listing opportunities")
struct ListOpportunitiesTests {
  @Test("ListOpportunities: a customer's, newest first, open only when asked, within the limit")
  func listOpportunities() async throws {
    try await CustomersHarness.withPipeline { customers, pipeline in
      let acme = try await CustomersHarness.create(
        customers,
        "a",
        CustomersHarness.customer("Acme")
      )
      let other = try await CustomersHarness.create(
        customers,
        "b",
        CustomersHarness.customer("Other")
      )
      var made: [String] = []
      for index in 1...3 {
        made.append(
          try await pipeline.createOpportunity(
            opportunity("l\(index)", customer: acme.id, amount: 100_00, close: (2026, 12, 1))
          ).id
        )
      }
      _ = try await pipeline.createOpportunity(
        opportunity("x", customer: other.id, amount: 1, close: (2026, 12, 1))
      )
      _ = try await move(pipeline, made[1], "lost", reason: "price")

      var request = Erp_Customers_V1_ListOpportunitiesRequest()
      request.customerID = acme.id
      let all = try await pipeline.listOpportunities(request).opportunities
      #expect(all.map(\.id) == made.reversed())
      #expect(all.allSatisfy { $0.customerID == acme.id && $0.name.hasPrefix("صفقة") })
      #expect(all.first { $0.id == made[1] }?.closeReason == "price")
      request.openOnly = true
      #expect(
        try await pipeline.listOpportunities(request).opportunities.map(\.id) == [
          made[2], made[0],
        ]
      )
      request.openOnly = false
      request.limit = 1
      #expect(try await pipeline.listOpportunities(request).opportunities.map(\.id) == [made[2]])
      request.limit = 101
      let tooMany = await #expect(throws: RPCError.self) {
        try await pipeline.listOpportunities(request)
      }
      #expect(tooMany?.code == .invalidArgument)
      #expect(tooMany?.message.hasPrefix("limit:") == true)
    }
  }
}

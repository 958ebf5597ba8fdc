import ERPProtos
import ERPRuntime
import GRPCCore
import Testing

/// Two sales reps limited to their own records (`ownRecordsOnly`, as the gateway passes it in
/// `x-erp-caller` / `x-erp-caller-own`) and a manager who is not.
private enum Staff {
  static let u1 = Caller(
    id: "user:11111111-1111-1111-1111-111111111111",
    scopes: [],
    ownRecordsOnly: true
  )
  static let u2 = Caller(
    id: "user:22222222-2222-2222-2222-222222222222",
    scopes: [],
    ownRecordsOnly: true
  )
  static let manager = Caller(id: "user:33333333-3333-3333-3333-333333333333", scopes: [])

  /// Runs `body` as `caller`: the test's service clients pass it on as the gateway does.
  static func acting<T: Sendable>(
    _ caller: Caller,
    _ body: @Sendable () async throws -> T
  ) async throws -> T {
    try await RequestContext.$caller.withValue(caller) { try await body() }
  }
}

private func date(_ year: Int32, _ month: Int32, _ day: Int32) -> Erp_Common_V1_Date {
  var date = Erp_Common_V1_Date()
  date.year = year
  date.month = month
  date.day = day
  return date
}

/// NOT_FOUND with the message a customer that does not exist gets: nothing tells the two apart.
private func expectHidden(
  _ field: String,
  _ id: String,
  _ body: () async throws -> Void
) async {
  let error = await #expect(throws: RPCError.self) { try await body() }
  #expect(error?.code == .notFound)
  #expect(error?.message == "\(field): no customer \"\(id)\"")
}

@Suite("Customers: record rules (own records only)")
struct RecordRulesTests {
  @Test("a rep limited to own records never sees another's customer: search, list, get, changes")
  func directory() async throws {
    try await CustomersHarness.withAll { customers, interactions, _, _ in
      let mine = try await Staff.acting(Staff.u1) { () async throws in
        try await CustomersHarness.create(
          customers,
          "rr-1",
          CustomersHarness.customer("مؤسسة النور للتجارة")
        )
      }
      let theirs = try await Staff.acting(Staff.u2) {
        try await CustomersHarness.create(
          customers,
          "rr-2",
          CustomersHarness.customer("مؤسسة النور للمقاولات")
        )
      }
      // A user who creates owns; the owner id is the caller's.
      #expect(mine.ownerID == Staff.u1.id)
      #expect(theirs.ownerID == Staff.u2.id)

      try await Staff.acting(Staff.u1) { () async throws in
        // Arabic search (with a hamza-less alef and a diacritic) finds only the rep's own.
        #expect(try await CustomersHarness.search(customers, "النُّور") == [mine.name])
        #expect(try await CustomersHarness.search(customers, "مؤسسه") == [mine.name])
        #expect(try await CustomersHarness.search(customers, "المقاولات").isEmpty)
        let listed = try await customers.listCustomers(.init()).customers
        #expect(listed.map(\.id) == [mine.id])

        var get = Erp_Customers_V1_GetCustomerRequest()
        get.id = theirs.id
        await expectHidden("id", theirs.id) { _ = try await customers.getCustomer(get) }
        get.id = mine.id
        #expect(try await customers.getCustomer(get).name == mine.name)

        var update = Erp_Customers_V1_UpdateCustomerRequest()
        update.customer = theirs
        update.customer.name = "تغيير"
        update.customer.ownerID = ""  // naming u2 would be refused before any lookup
        await expectHidden("customer.id", theirs.id) {
          _ = try await customers.updateCustomer(update)
        }
        var archive = Erp_Customers_V1_ArchiveCustomerRequest()
        archive.id = theirs.id
        await expectHidden("id", theirs.id) { _ = try await customers.archiveCustomer(archive) }
        var merge = Erp_Customers_V1_MergeCustomersRequest()
        merge.survivorID = mine.id
        merge.duplicateID = theirs.id
        await expectHidden("duplicate_id", theirs.id) {
          _ = try await customers.mergeCustomers(merge)
        }
        var timeline = Erp_Customers_V1_TimelineRequest()
        timeline.customerID = theirs.id
        await expectHidden("customer_id", theirs.id) {
          _ = try await interactions.timeline(timeline)
        }
        var contacts = Erp_Customers_V1_ListContactsRequest()
        contacts.customerID = theirs.id
        #expect(try await interactions.listContacts(contacts).contacts.isEmpty)

        // Its own customer it may change, and it stays the owner.
        update.customer = mine
        update.customer.ownerID = ""
        #expect(try await customers.updateCustomer(update).ownerID == Staff.u1.id)

        // It can name nobody else as owner, on create or update.
        var other = CustomersHarness.customer("شركة أخرى")
        other.ownerID = Staff.u2.id
        let create = await #expect(throws: RPCError.self) {
          _ = try await CustomersHarness.create(customers, "rr-3", other)
        }
        #expect(create?.code == .permissionDenied)
        #expect(create?.message.hasPrefix("customer.owner_id:") == true)
        update.customer.ownerID = Staff.u2.id
        let reassign = await #expect(throws: RPCError.self) {
          _ = try await customers.updateCustomer(update)
        }
        #expect(reassign?.code == .permissionDenied)
        #expect(reassign?.message.hasPrefix("customer.owner_id:") == true)
      }

      // The metadata itself, as the gateway writes it: `x-erp-caller-own: 1`.
      let wire = try await customers.listCustomers(
        .init(),
        metadata: ["x-erp-caller": .string(Staff.u2.id), "x-erp-caller-own": .string("1")]
      )
      #expect(wire.customers.map(\.id) == [theirs.id])

      // Without the limit both are seen; the owner_id filter is for everybody.
      try await Staff.acting(Staff.manager) { () async throws in
        #expect(try await CustomersHarness.search(customers, "النور").count == 2)
        #expect(try await customers.listCustomers(.init()).customers.count == 2)
        var byOwner = Erp_Customers_V1_ListCustomersRequest()
        byOwner.ownerID = Staff.u2.id
        #expect(try await customers.listCustomers(byOwner).customers.map(\.id) == [theirs.id])
        var search = Erp_Customers_V1_SearchCustomersRequest()
        search.query = "النور"
        search.ownerID = Staff.u1.id
        #expect(try await customers.searchCustomers(search).results.map(\.customer.id) == [mine.id])
        // A manager may give a customer to someone.
        var given = CustomersHarness.customer("شركة الفجر")
        given.ownerID = Staff.u2.id
        #expect(try await CustomersHarness.create(customers, "rr-4", given).ownerID == Staff.u2.id)
      }
      // A call naming no user (a key, the platform) leaves the owner as given: none here.
      #expect(
        try await CustomersHarness.create(customers, "rr-5", CustomersHarness.customer("Key Co"))
          .ownerID == ""
      )
    }
  }

  @Test("pipeline, forecast, funnel and reports count only the limited rep's own records")
  func reports() async throws {
    try await CustomersHarness.withAll { customers, interactions, pipeline, insights in
      var opportunities: [String: Erp_Customers_V1_Opportunity] = [:]
      var owned: [String: Erp_Customers_V1_Customer] = [:]
      for (rep, name, amount) in [
        (Staff.u1, "عميل الأول", 100_00), (Staff.u2, "عميل الثاني", 900_00),
      ]
        as [(Caller, String, Int64)]
      {
        let (customer, opportunity) = try await Staff.acting(rep) {
          let customer = try await CustomersHarness.create(
            customers,
            "rp-\(amount)",
            CustomersHarness.customer(name)
          )
          var create = Erp_Customers_V1_CreateOpportunityRequest()
          create.requestID = "op-\(amount)"
          create.opportunity.customerID = customer.id
          create.opportunity.name = "صفقة \(name)"
          create.opportunity.amount.currencyCode = "SAR"
          create.opportunity.amount.unitsMinor = amount
          create.opportunity.expectedClose = date(2026, 12, 15)
          let opportunity = try await pipeline.createOpportunity(create)
          var event = Erp_Customers_V1_AppendEventRequest()
          event.requestID = "ev-\(amount)"
          event.customerID = customer.id
          event.source = "sales"
          event.eventType = "order_confirmed"
          event.occurredAt.seconds = 1_796_212_800  // 2026-12-02
          event.amount.currencyCode = "SAR"
          event.amount.unitsMinor = amount
          _ = try await interactions.appendEvent(event)
          return (customer, opportunity)
        }
        #expect(opportunity.ownerID == rep.id)
        opportunities[rep.id] = opportunity
        owned[rep.id] = customer
      }
      let theirs = try #require(opportunities[Staff.u2.id])
      let theirCustomer = try #require(owned[Staff.u2.id])

      try await Staff.acting(Staff.u1) { () async throws in
        var get = Erp_Customers_V1_GetOpportunityRequest()
        get.id = theirs.id
        let hidden = await #expect(throws: RPCError.self) {
          _ = try await pipeline.getOpportunity(get)
        }
        #expect(hidden?.code == .notFound)
        var move = Erp_Customers_V1_MoveOpportunityRequest()
        move.id = theirs.id
        move.stage = "qualified"
        let moved = await #expect(throws: RPCError.self) {
          _ = try await pipeline.moveOpportunity(move)
        }
        #expect(moved?.code == .notFound)
        // Not even an opportunity on another's customer can be opened.
        var create = Erp_Customers_V1_CreateOpportunityRequest()
        create.requestID = "op-x"
        create.opportunity.customerID = theirCustomer.id
        create.opportunity.name = "x"
        create.opportunity.amount.currencyCode = "SAR"
        create.opportunity.expectedClose = date(2026, 12, 15)
        await expectHidden("opportunity.customer_id", theirCustomer.id) {
          _ = try await pipeline.createOpportunity(create)
        }
        var list = Erp_Customers_V1_ListOpportunitiesRequest()
        list.customerID = theirCustomer.id
        #expect(try await pipeline.listOpportunities(list).opportunities.isEmpty)

        var forecast = Erp_Customers_V1_ForecastRequest()
        forecast.from = date(2026, 1, 1)
        forecast.to = date(2026, 12, 31)
        let months = try await pipeline.forecast(forecast).months
        #expect(months.map(\.totalMinor) == [100_00])
        let funnel = try await pipeline.funnel(.init())
        #expect(funnel.stages.first?.reached == 1)
        let stages = try await insights.pipelineByStage(.init()).stages
        #expect(stages.map(\.amountMinor) == [100_00])
        var period = Erp_Customers_V1_PeriodRequest()
        period.from = date(2026, 1, 1)
        period.to = date(2026, 12, 31)
        #expect(try await insights.newCustomers(period).months.map(\.count) == [1])
        var top = Erp_Customers_V1_TopCustomersRequest()
        top.currencyCode = "SAR"
        top.from = date(2026, 1, 1)
        top.to = date(2026, 12, 31)
        let best = try await insights.topCustomers(top).customers
        #expect(best.map(\.name) == ["عميل الأول"])
        var rfm = Erp_Customers_V1_RfmRequest()
        rfm.currencyCode = "SAR"
        rfm.asOf = date(2026, 12, 10)
        #expect(try await insights.rfm(rfm).customers.map(\.name) == ["عميل الأول"])
        var risk = Erp_Customers_V1_AtRiskRequest()
        risk.days = 1
        risk.asOf = date(2026, 12, 10)
        #expect(try await insights.atRisk(risk).customers.map(\.name) == ["عميل الأول"])
        // Importing upserts whoever owns the row: refused outright.
        let refused = await #expect(throws: RPCError.self) {
          _ = try await customers.importCustomers { _ in }
        }
        #expect(refused?.code == .permissionDenied)
      }
      try await Staff.acting(Staff.manager) { () async throws in
        var forecast = Erp_Customers_V1_ForecastRequest()
        forecast.from = date(2026, 1, 1)
        forecast.to = date(2026, 12, 31)
        #expect(try await pipeline.forecast(forecast).months.map(\.totalMinor) == [1_000_00])
        var list = Erp_Customers_V1_ListOpportunitiesRequest()
        list.customerID = theirCustomer.id
        #expect(try await pipeline.listOpportunities(list).opportunities.map(\.id) == [theirs.id])
        list.ownerID = Staff.u1.id
        #expect(try await pipeline.listOpportunities(list).opportunities.isEmpty)
      }
    }
  }
}

import ERPProtos
import GRPCCore
import SwiftProtobuf
import Testing

@Suite("Customers: merging duplicates")
struct MergeTests {
  @Test(
    "the duplicate's emails, phones, tags and history move to the survivor; a repeat changes nothing"
  )
  func merge() async throws {
    try await CustomersHarness.withAll { customers, interactions, pipeline, _ in
      let survivor = try await CustomersHarness.create(
        customers,
        "s",
        CustomersHarness.customer(
          "شركة الريان",
          emails: ["info@rayyan.example"],
          phones: ["0111111111"],
          tags: ["gold"]
        )
      )
      let duplicate = try await CustomersHarness.create(
        customers,
        "d",
        CustomersHarness.customer(
          "Al Rayyan Co",
          emails: ["sales@rayyan.example"],
          phones: ["0111111111", "0122222222"],
          tags: ["wholesale"]
        )
      )
      var log = Erp_Customers_V1_LogInteractionRequest()
      log.requestID = "call"
      log.interaction.customerID = duplicate.id
      log.interaction.kind = .call
      log.interaction.occurredAt.seconds = 1_790_000_000
      log.interaction.subject = "call on the duplicate"
      _ = try await interactions.logInteraction(log)
      var deal = Erp_Customers_V1_CreateOpportunityRequest()
      deal.requestID = "deal"
      deal.opportunity.customerID = duplicate.id
      deal.opportunity.name = "deal"
      deal.opportunity.amount.currencyCode = "SAR"
      deal.opportunity.amount.unitsMinor = 100
      deal.opportunity.expectedClose.year = 2027
      deal.opportunity.expectedClose.month = 1
      deal.opportunity.expectedClose.day = 1
      let opportunity = try await pipeline.createOpportunity(deal)

      var merge = Erp_Customers_V1_MergeCustomersRequest()
      merge.survivorID = survivor.id
      merge.duplicateID = duplicate.id
      let merged = try await customers.mergeCustomers(merge)
      #expect(merged.emails == ["info@rayyan.example", "sales@rayyan.example"])
      #expect(merged.phones == ["+966111111111", "+966122222222"])
      #expect(merged.tags == ["gold", "wholesale"])
      #expect(try await customers.mergeCustomers(merge) == merged)  // repeat

      var timeline = Erp_Customers_V1_TimelineRequest()
      timeline.customerID = survivor.id
      #expect(
        try await interactions.timeline(timeline).items.map(\.interaction.subject) == [
          "call on the duplicate"
        ]
      )
      var get = Erp_Customers_V1_GetOpportunityRequest()
      get.id = opportunity.id
      #expect(try await pipeline.getOpportunity(get).customerID == survivor.id)
      var old = Erp_Customers_V1_GetCustomerRequest()
      old.id = duplicate.id
      let archived = try await customers.getCustomer(old)
      #expect(archived.archived)
      #expect(archived.mergedInto == survivor.id)
      #expect(archived.emails.isEmpty)

      merge.survivorID = duplicate.id
      merge.duplicateID = survivor.id
      let backwards = await #expect(throws: RPCError.self) {
        try await customers.mergeCustomers(merge)
      }
      #expect(backwards?.code == .failedPrecondition)
    }
  }
}

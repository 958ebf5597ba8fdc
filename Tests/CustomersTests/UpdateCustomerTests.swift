import ERPProtos
import GRPCCore
import Testing

/// UpdateCustomer, which no other test calls: what it stores is read back, and its refusals
/// name the field (ListOpportunities is in PipelineTests, beside the pipeline's helpers).
@Suite("Customers: updating a customer")
struct UpdateCustomerTests {
  @Test("UpdateCustomer replaces the fields, the contact points and the search key")
  func updateCustomer() async throws {
    try await CustomersHarness.run { client, _ in
      let created = try await CustomersHarness.create(
        client,
        "u1",
        CustomersHarness.customer("Old Name", emails: ["old@example.com"], tags: ["x"])
      )
      var changed = created
      changed.kind = .individual
      changed.name = "سارة العتيبي"
      changed.emails = ["Sara@Example.COM"]
      changed.phones = ["0501234567"]
      changed.tags = ["VIP"]
      changed.stage = .customer
      changed.address.city = "الرياض"
      changed.address.countryCode = "SA"
      var update = Erp_Customers_V1_UpdateCustomerRequest()
      update.customer = changed
      update.defaultCountryCallingCode = "966"
      let answered = try await client.updateCustomer(update)

      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = created.id
      let stored = try await client.getCustomer(get)
      #expect(answered == stored)
      #expect(stored.id == created.id)
      #expect(stored.kind == .individual)
      #expect(stored.name == "سارة العتيبي")
      #expect(stored.emails == ["sara@example.com"])
      #expect(stored.phones == ["+966501234567"])
      #expect(stored.tags == ["vip"])
      #expect(stored.stage == .customer)
      #expect(stored.address.city == "الرياض")
      #expect(stored.address.countryCode == "SA")
      #expect(try await CustomersHarness.search(client, "العتيبي") == ["سارة العتيبي"])
      #expect(try await CustomersHarness.search(client, "Old Name").isEmpty)
    }
  }

  @Test("UpdateCustomer refuses an unknown id and bad fields, naming them, and changes nothing")
  func updateCustomerRefusals() async throws {
    try await CustomersHarness.run { client, _ in
      let created = try await CustomersHarness.create(
        client,
        "u2",
        CustomersHarness.customer("Kept Name", emails: ["kept@example.com"])
      )
      func refusal(_ edit: (inout Erp_Customers_V1_Customer) -> Void) async -> RPCError? {
        var update = Erp_Customers_V1_UpdateCustomerRequest()
        update.customer = created
        edit(&update.customer)
        return await #expect(throws: RPCError.self) { try await client.updateCustomer(update) }
      }
      let unknown = await refusal { $0.id = "C-999999" }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message.hasPrefix("customer.id:") == true)
      let email = await refusal {
        $0.name = "Changed"
        $0.emails = ["not an email"]
      }
      #expect(email?.code == .invalidArgument)
      #expect(email?.message.hasPrefix("customer.emails[0]:") == true)
      let country = await refusal { $0.address.countryCode = "sa" }
      #expect(country?.code == .invalidArgument)
      #expect(country?.message.hasPrefix("customer.address.country_code:") == true)
      let name = await refusal { $0.name = "  " }
      #expect(name?.message.hasPrefix("customer.name:") == true)

      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = created.id
      let stored = try await client.getCustomer(get)
      #expect(stored.name == "Kept Name")
      #expect(stored.emails == ["kept@example.com"])
    }
  }
}

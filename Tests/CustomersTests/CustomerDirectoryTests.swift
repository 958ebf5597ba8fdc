import Customers
import ERPProtos
import ERPRuntime
import GRPCCore
import Testing

@Suite("Customers: search keys")
struct SearchKeyTests {
  @Test(
    "Arabic variants meet in one key",
    arguments: [
      ("أحمد", "احمد"), ("أَحْمَد", "احمد"), ("إبراهيم", "ابراهيم"), ("آمنة", "امنه"),
      ("مصطفى", "مصطفي"), ("شركـــة", "شركه"), ("Ahmed  AL-Saud", "ahmed al-saud"),
      ("٠٥٠١٢٣", "050123"),
    ]
  )
  func normalises(raw: String, key: String) {
    #expect(SearchKey.of(raw) == key)
  }
}

@Suite("Customers: the directory")
struct CustomerDirectoryTests {
  @Test("Arabic names round-trip and are found by their variants")
  func arabicSearch() async throws {
    try await CustomersHarness.run { client, _ in
      let created = try await CustomersHarness.create(
        client,
        "c1",
        CustomersHarness.customer("أَحْمَد الشَّمْرِي", kind: .individual)
      )
      #expect(created.name == "أَحْمَد الشَّمْرِي")
      #expect(created.id.hasPrefix("C-"))
      _ = try await CustomersHarness.create(client, "c2", CustomersHarness.customer("مؤسسة النور"))
      _ = try await CustomersHarness.create(
        client,
        "c3",
        CustomersHarness.customer("Mohammed Trading")
      )
      for query in ["احمد", "أحمد", "أَحْمَد", "الشمري"] {
        #expect(try await CustomersHarness.search(client, query).first == "أَحْمَد الشَّمْرِي", "\(query)")
      }
      #expect(try await CustomersHarness.search(client, "النور") == ["مؤسسة النور"])
      // Fuzzy, Latin: a misspelling still finds the name.
      #expect(
        try await CustomersHarness.search(client, "mohamed trading").first == "Mohammed Trading"
      )
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = created.id
      #expect(try await client.getCustomer(get).name == "أَحْمَد الشَّمْرِي")
    }
  }

  @Test("emails and phones are validated, stored canonically and searchable")
  func contactPoints() async throws {
    try await CustomersHarness.run { client, _ in
      let created = try await CustomersHarness.create(
        client,
        "c1",
        CustomersHarness.customer(
          "Salem",
          emails: ["Salem@Example.COM"],
          phones: ["050 123 4567", "+971 4 555 0000"],
          tags: ["VIP"]
        )
      )
      #expect(created.emails == ["salem@example.com"])
      #expect(
        created.phones == [
          "+96650 1234567".replacingOccurrences(of: " ", with: ""), "+97145550000",
        ]
      )
      #expect(try await CustomersHarness.search(client, "salem@example.com") == ["Salem"])
      #expect(try await CustomersHarness.search(client, "0501234567") == ["Salem"])
      #expect(try await CustomersHarness.search(client, "vip") == ["Salem"])

      let badEmail = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(
          client,
          "c2",
          CustomersHarness.customer("X", emails: ["not-an-email"])
        )
      }
      #expect(badEmail?.code == .invalidArgument)
      #expect(badEmail?.message.hasPrefix("customer.emails[0]:") == true)
      let badPhone = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(
          client,
          "c3",
          CustomersHarness.customer("X", phones: ["12ab"])
        )
      }
      #expect(badPhone?.message.hasPrefix("customer.phones[0]:") == true)
    }
  }

  @Test("a duplicate email is ALREADY_EXISTS within a tenant and fine in another")
  func duplicateEmail() async throws {
    try await CustomersHarness.run(tenants: 2) { client, tenants in
      _ = try await CustomersHarness.create(
        client,
        "a1",
        CustomersHarness.customer("First", emails: ["same@example.com"])
      )
      let duplicate = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(
          client,
          "a2",
          CustomersHarness.customer("Second", emails: ["same@example.com"])
        )
      }
      #expect(duplicate?.code == .alreadyExists)
      #expect(duplicate?.message.hasPrefix("customer.emails:") == true)
      try await RequestContext.$tenant.withValue(tenants[1]) {
        let other = try await CustomersHarness.create(
          client,
          "a1",
          CustomersHarness.customer("Other tenant", emails: ["same@example.com"])
        )
        #expect(other.name == "Other tenant")
        // Tenant B does not see tenant A's customers.
        #expect(try await CustomersHarness.search(client, "first").isEmpty)
      }
      // A repeated request id returns the first customer.
      let again = try await CustomersHarness.create(
        client,
        "a1",
        CustomersHarness.customer("First", emails: ["same@example.com"])
      )
      #expect(again.name == "First")
    }
  }

  @Test("listing by name is stable while customers are added concurrently")
  func stablePagination() async throws {
    try await CustomersHarness.run { client, _ in
      for index in 0..<60 {
        _ = try await CustomersHarness.create(
          client,
          "p\(index)",
          CustomersHarness.customer(String(format: "Customer %03d", index))
        )
      }
      var seen: [String] = []
      var request = Erp_Customers_V1_ListCustomersRequest()
      request.page.pageSize = 25
      var inserted = 0
      repeat {
        let page = try await client.listCustomers(request)
        seen += page.customers.map(\.name)
        // Others insert names before and after the cursor while we page.
        for name in ["AAA \(inserted)", "zzz \(inserted)"] {
          _ = try await CustomersHarness.create(
            client,
            "new-\(name)",
            CustomersHarness.customer(name)
          )
        }
        inserted += 1
        request.page.pageToken = page.page.nextPageToken
      } while !request.page.pageToken.isEmpty
      let original = (0..<60).map { String(format: "Customer %03d", $0) }
      #expect(seen.filter { $0.hasPrefix("Customer") } == original)
      #expect(Set(seen).count == seen.count)  // nothing twice
    }
  }

  @Test("archived customers leave searches and lists, and stay readable")
  func archiving() async throws {
    try await CustomersHarness.run { client, _ in
      let created = try await CustomersHarness.create(
        client,
        "c1",
        CustomersHarness.customer("Gone LLC")
      )
      var archive = Erp_Customers_V1_ArchiveCustomerRequest()
      archive.id = created.id
      #expect(try await client.archiveCustomer(archive).archived)
      #expect(try await CustomersHarness.search(client, "gone").isEmpty)
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "gone"
      search.includeArchived = true
      #expect(try await client.searchCustomers(search).results.count == 1)
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = created.id
      #expect(try await client.getCustomer(get).archived)
    }
  }
}

import ERPProtos
import ERPStore
import GRPCCore
import Testing

/// Hostile text at the customers API: refused at the boundary, naming the field, never echoed.
@Suite("Customers: NUL bytes, lengths and echoes")
struct TextValidationTests {
  @Test("a name with a NUL byte is refused naming customer.name, and nothing is stored")
  func nulInName() async throws {
    try await CustomersHarness.run { client, _ in
      let error = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(client, "nul-1", CustomersHarness.customer("a\u{0}b"))
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "customer.name: must not contain a NUL byte")
      let list = try await client.listCustomers(Erp_Customers_V1_ListCustomersRequest())
      #expect(list.customers.isEmpty)
    }
  }

  @Test("a search for a NUL byte is refused, not answered with every customer")
  func nulSearch() async throws {
    try await CustomersHarness.run { client, _ in
      _ = try await CustomersHarness.create(client, "s-1", CustomersHarness.customer("Acme"))
      let error = await #expect(throws: RPCError.self) {
        try await CustomersHarness.search(client, "\u{0}")
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "query: must not contain a NUL byte")
    }
  }

  @Test("a 16,400-character id is refused by its length; a long unknown id is quoted short")
  func longIDs() async throws {
    try await CustomersHarness.run { client, _ in
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = String(repeating: "C", count: 16_400)
      let long = await #expect(throws: RPCError.self) { try await client.getCustomer(get) }
      #expect(long?.code == .invalidArgument)
      #expect(long?.message == "id: at most 100 characters")

      get.id = "C-" + String(repeating: "٩", count: 98)
      let unknown = await #expect(throws: RPCError.self) { try await client.getCustomer(get) }
      #expect(unknown?.code == .notFound)
      #expect(unknown?.message == "id: no customer \(quoted(get.id))")
      #expect(unknown?.message.contains(String(repeating: "٩", count: 38)) == true)
      #expect((unknown?.message.unicodeScalars.count ?? .max) < 70)
    }
  }

  @Test("a field of 3 MB is refused with its name, quickly and without echo")
  func hugeField() async throws {
    try await CustomersHarness.run { client, _ in
      var customer = CustomersHarness.customer("Big")
      customer.address.line1 = String(repeating: "ب", count: 1_500_000)
      let error = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(client, "big-1", customer)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message == "customer.address.line1: at most 200 characters")
    }
  }

  @Test("an Arabic name at the limit (200) is accepted and read back whole; 201 is refused")
  func arabicAtTheLimit() async throws {
    try await CustomersHarness.run { client, _ in
      let name = String(repeating: "شركة ", count: 40).trimmingSuffixSpace + "ة"
      #expect(name.unicodeScalars.count == 200)
      let created = try await CustomersHarness.create(
        client,
        "ar-1",
        CustomersHarness.customer(name)
      )
      var get = Erp_Customers_V1_GetCustomerRequest()
      get.id = created.id
      #expect(try await client.getCustomer(get).name == name)

      let error = await #expect(throws: RPCError.self) {
        try await CustomersHarness.create(client, "ar-2", CustomersHarness.customer(name + "ة"))
      }
      #expect(error?.message == "customer.name: at most 200 characters")
    }
  }

  @Test("an import stream is refused at its first row with a NUL byte, naming the field")
  func nulInImportStream() async throws {
    try await CustomersHarness.run { client, _ in
      var rows: [Erp_Customers_V1_ImportRow] = []
      for number in 1...3 {
        var row = Erp_Customers_V1_ImportRow()
        row.rowNumber = Int64(number)
        row.externalID = "legacy-\(number)"
        row.customer = CustomersHarness.customer(number == 2 ? "bad\u{0}" : "Row \(number)")
        rows.append(row)
      }
      let input = rows
      let error = await #expect(throws: RPCError.self) {
        try await client.importCustomers { writer in try await writer.write(contentsOf: input) }
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.hasPrefix("customer.name: must not contain a NUL byte") == true)
    }
  }
}

extension String {
  fileprivate var trimmingSuffixSpace: String {
    self.hasSuffix(" ") ? String(self.dropLast()) : self
  }
}

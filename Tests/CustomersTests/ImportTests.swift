import ERPProtos
import GRPCCore
import Testing

private func rows(_ count: Int) -> [Erp_Customers_V1_ImportRow] {
  (1...count).map { number in
    var row = Erp_Customers_V1_ImportRow()
    row.rowNumber = Int64(number)
    row.externalID = "legacy-\(number)"
    row.defaultCountryCallingCode = "966"
    row.customer = CustomersHarness.customer(
      number % 2 == 0 ? "عميل رقم \(number)" : "Customer \(number)",
      emails: ["c\(number)@example.com"],
      phones: ["05\(String(format: "%08d", number))"],
      tags: ["imported"]
    )
    switch number {
    case 5: row.customer.emails = ["broken"]
    case 10: row.externalID = "legacy-9"
    case 20: row.customer.emails = ["taken@example.com"]
    case 30: row.customer.name = "  "
    default: break
    }
    return row
  }
}

@Suite("Customers: bulk import")
struct ImportTests {
  @Test("good rows are imported, each bad row is reported by number, and a re-run adds nothing")
  func importWithBadRows() async throws {
    try await CustomersHarness.run { client, _ in
      _ = try await CustomersHarness.create(
        client,
        "existing",
        CustomersHarness.customer("Existing", emails: ["taken@example.com"])
      )
      let input = rows(2_500)
      let first = try await client.importCustomers { writer in
        try await writer.write(contentsOf: input)
      }
      #expect(first.received == 2_500)
      #expect(first.created == 2_496)
      #expect(first.updated == 0)
      #expect(first.errors.map(\.rowNumber) == [5, 10, 20, 30])
      #expect(first.errors[0].message.hasPrefix("customer.emails[0]:"))
      #expect(first.errors[1].message.hasPrefix("external_id:"))
      #expect(first.errors[2].message.contains("taken@example.com"))
      #expect(first.errors[3].message.hasPrefix("customer.name:"))

      let again = try await client.importCustomers { writer in
        try await writer.write(contentsOf: input)
      }
      #expect(again.created == 0)
      #expect(again.updated == 2_496)
      #expect(again.errors.map(\.rowNumber) == [5, 10, 20, 30])

      #expect(try await CustomersHarness.search(client, "عميل رقم 1244").first == "عميل رقم 1244")
      #expect(
        try await CustomersHarness.search(client, "c2499@example.com").first == "Customer 2499"
      )
      var list = Erp_Customers_V1_ListCustomersRequest()
      list.page.pageSize = 500
      var total = 0
      repeat {
        let page = try await client.listCustomers(list)
        total += page.customers.count
        list.page.pageToken = page.page.nextPageToken
      } while !list.page.pageToken.isEmpty
      #expect(total == 2_497)
    }
  }
}

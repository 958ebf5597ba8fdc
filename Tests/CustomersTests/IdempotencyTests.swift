import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// A request id returns the first answer: to a repeat, to every one of several concurrent first
/// attempts, and never to different content.
@Suite("Customers: one answer per request id")
struct CustomersIdempotencyTests {
  static func request(_ id: String, _ name: String) -> Erp_Customers_V1_CreateCustomerRequest {
    var request = Erp_Customers_V1_CreateCustomerRequest()
    request.requestID = id
    request.customer = CustomersHarness.customer(name)
    request.defaultCountryCallingCode = "966"
    return request
  }

  @Test("eight concurrent first attempts get one customer; different content is refused")
  func createCustomer() async throws {
    try await CustomersHarness.run { client, _ in
      for round in 0..<4 {
        let request = Self.request("c-\(round)", "شركة النور \(round)")
        let outcomes = await concurrently(8) { try await client.createCustomer(request).id }
        let seen = answers(outcomes) { $0 }
        #expect(theOneAnswer(seen, of: 8) != nil, "\(seen)")
        let again = try await client.createCustomer(request).id
        #expect(again == seen.keys.first)

        let changed = await #expect(throws: RPCError.self) {
          try await client.createCustomer(Self.request("c-\(round)", "شركة أخرى"))
        }
        #expect(changed?.code == .invalidArgument)
        #expect(changed?.message.hasPrefix("request_id:") == true)
      }
      let listed = try await client.listCustomers(.init()).customers.count
      #expect(listed == 4)
    }
  }
}

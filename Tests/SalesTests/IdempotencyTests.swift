import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// A request id returns the first answer: to a repeat, to every one of several concurrent first
/// attempts, and never to different content.
@Suite("Sales: one answer per request id")
struct SalesIdempotencyTests {
  @Test("eight concurrent first orders with one request id get one order; other content refused")
  func createOrder() async throws {
    try await SalesStack.run { stack in
      for round in 0..<3 {
        let request = stack.orderRequest("order-\(round)", [("TEA-1", 1_000, 30_00, 0)])
        let outcomes = await concurrently(8) { try await stack.orders.createOrder(request).number }
        let seen = answers(outcomes) { $0 }
        #expect(theOneAnswer(seen, of: 8) != nil, "\(seen)")
        let again = try await stack.orders.createOrder(request).number
        #expect(again == seen.keys.first)
        let changed = await #expect(throws: RPCError.self) {
          try await stack.orders.createOrder(
            stack.orderRequest("order-\(round)", [("TEA-1", 2_000, 30_00, 0)])
          )
        }
        #expect(changed?.code == .invalidArgument)
      }
    }
  }

  @Test("a price list takes a request id: concurrent attempts and repeats get the first answer")
  func createPriceList() async throws {
    try await SalesStack.run { stack in
      var list = Erp_Sales_V1_PriceList()
      list.requestID = "pl-1"
      list.code = "WHOLESALE"
      list.name = "أسعار الجملة"
      list.currencyCode = "SAR"
      list.validFrom.year = 2026
      list.validFrom.month = 1
      list.validFrom.day = 1
      var entry = Erp_Sales_V1_PriceListEntry()
      entry.sku = "TEA-1"
      entry.unitPriceMinor = 25_00
      list.entries = [entry]
      var cheaper = list
      cheaper.entries[0].unitPriceMinor = 24_00
      var other = list
      other.requestID = "pl-2"
      let seen = await FirstAnswers.of(
        list,
        changed: cheaper,
        taken: other,
        key: { "\($0.code) \($0.name)" }
      ) { try await stack.pricing.createPriceList($0) }
      #expect(
        seen
          == .init(
            concurrent: ["WHOLESALE أسعار الجملة": 8],
            changed: .invalidArgument,
            taken: .alreadyExists
          )
      )
    }
  }
}

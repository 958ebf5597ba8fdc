import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

@Suite("Finance unreachable")
struct OutageTests {
  @Test("A receipt made while finance is down stands; its bill follows, once, when finance is back")
  func billFollowsWhenFinanceReturns() async throws {
    try await SupplyHarness.run { clients, finance in
      try await clients.warehouse("MAIN")
      let supplier = try await clients.supplier()
      _ = try await clients.item("O-1")
      let order = try await clients.order(
        "po-o1",
        supplier: supplier.code,
        warehouse: "MAIN",
        [("O-1", 5_000, 2_000)]
      )

      await finance.stop()
      let receipt = try await clients.receive("grn-o1", order: order.number, [(1, 5_000)])
      #expect(receipt.billNumber.isEmpty)
      let level = try #require(try await clients.level("O-1", "MAIN"))
      #expect(level.onHandMilli == 5_000)
      let retried = try await clients.receive("grn-o1", order: order.number, [(1, 5_000)])
      #expect(retried.number == receipt.number)
      #expect(try await clients.stock.inventoryValuation(.init()).undeliveredPostings == 1)

      try await finance.start()
      try await eventually("the postings made while finance was down are delivered") {
        try await clients.stock.inventoryValuation(.init()).undeliveredPostings == 0
      }
      let after = try await clients.receive("grn-o1", order: order.number, [(1, 5_000)])
      #expect(after.billNumber.hasPrefix("BILL-"))
      // Exactly one bill on the books: 100.00 + 15 % VAT.
      #expect(try await clients.financeBalance(role: "accounts_payable") == -11_500)
      #expect(try await clients.financeBalance(role: "inventory") == 10_000)
    }
  }
}

import ERPProtos
import ERPRuntime
import Testing

/// The order saga's progress on `/metrics`: `erp_sales_orders_entered_total{status, progress}`.
@Suite("Sales: saga progress metrics")
struct SagaMetricsTests {
  @Test("creating, confirming and cancelling orders counts each state entered")
  func statesEntered() async throws {
    try await SalesStack.run { stack in
      let metrics = try #require(stack.metrics)
      let first = try await stack.orders.createOrder(
        stack.orderRequest("sm-1", [("TEA-1", 1_000, 30_00, 0)])
      )
      let second = try await stack.orders.createOrder(
        stack.orderRequest("sm-2", [("CUP-1", 1_000, 15_00, 0)])
      )
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = first.number
      #expect(try await stack.orders.confirmOrder(ref).status == .confirmed)
      // A repeat changes nothing and counts nothing.
      #expect(try await stack.orders.confirmOrder(ref).status == .confirmed)
      ref.number = second.number
      #expect(try await stack.orders.cancelOrder(ref).status == .cancelled)

      let body = metrics.exposition()
      func entered(_ status: String, _ progress: String) -> Double? {
        let series =
          #"erp_sales_orders_entered_total{status="\#(status)",progress="\#(progress)"} "#
        return body.split(separator: "\n").first { $0.hasPrefix(series) }
          .flatMap { Double($0.dropFirst(series.count)) }
      }
      #expect(entered("draft", "idle") == 2)
      #expect(entered("draft", "confirming") == 1)
      #expect(entered("confirmed", "idle") == 1)
      #expect(entered("cancelled", "idle") == 1)
      #expect(entered("confirmed", "cancelling") == nil)
    }
  }
}

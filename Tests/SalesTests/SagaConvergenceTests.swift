import ERPProtos
import ERPSystem
import ERPTestSupport
import GRPCCore
import Testing

@Suite("Sales sagas converge while the service runs")
struct SagaConvergenceTests {
  /// The supply chain down during ConfirmOrder leaves the order confirming; the recovery
  /// worker (not only the start-up recovery) finishes it once the supply chain is back,
  /// without a restart of sales.
  @Test("A confirmation cut off by the supply chain being down finishes once it is back")
  func confirmationFinishesWhenTheSupplyChainReturns() async throws {
    try await SalesStack.run(invoiceOn: .confirmation) { stack in
      let order = try await stack.orders.createOrder(
        stack.orderRequest("o-down", [("TEA-1", 3_000, 30_00, 0)])
      )
      let supplychain = stack.servers["supplychain"]!
      await supplychain.stop()
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = order.number
      await #expect(throws: RPCError.self) { _ = try await stack.orders.confirmOrder(ref) }
      #expect(try await stack.order(order.number).status == .draft)
      let progress = try await stack.salesPool.tenantQuery(
        stack.tenant,
        "SELECT progress FROM sales_order WHERE number = $1",
        [order.number]
      )
      #expect(try progress[0].decode("progress", as: String.self) == "confirming")

      try await supplychain.start()
      try await eventually("the order is confirmed") {
        try await stack.order(order.number).status == .confirmed
      }
      let reservation = try #require(try await stack.reservation("\(order.number)/1"))
      #expect(reservation.quantityMilli == 3_000)
      #expect(try await stack.available("TEA-1") == 7_000)
      try await eventually("its invoice is issued") {
        try await !stack.order(order.number).invoiceNumbers.isEmpty
      }
    }
  }

  /// CancelOrder on an order being confirmed waits for the confirmation (within the call's
  /// deadline) instead of answering ABORTED, then cancels it: reservations released.
  @Test("CancelOrder during a confirmation waits for it, then cancels the order")
  func cancelWaitsForTheConfirmation() async throws {
    try await SalesStack.run { stack in
      let order = try await stack.orders.createOrder(
        stack.orderRequest("o-cancel", [("TEA-1", 2_000, 30_00, 0), ("CUP-1", 1_000, 12_00, 0)])
      )
      let supplychain = stack.servers["supplychain"]!
      await supplychain.stop()
      var ref = Erp_Sales_V1_OrderRef()
      ref.number = order.number
      await #expect(throws: RPCError.self) { _ = try await stack.orders.confirmOrder(ref) }

      var options = CallOptions.defaults
      options.timeout = .seconds(60)
      let cancelling = Task {
        try await stack.orders.cancelOrder(ref, options: options)
      }
      try await supplychain.start()
      let cancelled = try await cancelling.value
      #expect(cancelled.status == .cancelled)
      #expect(try await stack.available("TEA-1") == 10_000)
      #expect(try await stack.available("CUP-1") == 4_000)
    }
  }
}

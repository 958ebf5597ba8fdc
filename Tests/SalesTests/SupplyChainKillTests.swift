import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Supply chain killed during confirmations")
struct SupplyChainKillTests {
  /// erp-sales and erp-supplychain run as real processes in the in-process members' places
  /// (finance and customers stay in-process). Twelve orders for one unit of a ten-unit item are
  /// confirmed at once and the supply chain is killed with SIGKILL as soon as the first
  /// reservation is made, then started again. Without a restart of sales, every order converges
  /// to confirmed (its reservation open) or draft (no open reservation), never more confirmed
  /// than the stock allows.
  @Test("kill -9 of the supply chain mid-confirmations: every order converges, reservations match")
  func ordersConvergeAfterTheSupplyChainIsKilled() async throws {
    try await SalesStack.system { system, tenant in
      let (salesMember, supplyMember) = (system["sales"]!, system["supplychain"]!)
      // The processes below serve these members' databases and ports instead.
      await salesMember.stop()
      await supplyMember.stop()
      let (salesPool, supplyPool) = (salesMember.pool, supplyMember.pool)
      let free = try FreePorts.distinct(2)
      let (supplyOps, salesOps) = (free[0], free[1])
      let inherited = ProcessInfo.processInfo.environment.merging(["ERP_LOG_LEVEL": "info"]) {
        $1
      }
      let supplyEnvironment = inherited.merging(
        supplyMember.processEnvironment(opsPort: supplyOps)
      ) { $1 }
      let supplyExecutable = try Subprocess.builtProduct("erp-supplychain")
      let first = try await RunningProcess(supplyExecutable, [], environment: supplyEnvironment)
      try await CrashRecoveryTests.waitUntilReady(supplyOps)
      let salesProcess = try await RunningProcess(
        try Subprocess.builtProduct("erp-sales"),
        [],
        environment: inherited.merging(salesMember.processEnvironment(opsPort: salesOps)) { $1 }
      )
      defer { salesProcess.signal(SIGTERM) }
      try await CrashRecoveryTests.waitUntilReady(salesOps)

      try await SalesStack.clients(system, tenant) { stack in
        var settings = Erp_Sales_V1_SalesSettings()
        settings.invoiceOn = .shipment
        settings.paymentTermsDays = 30
        _ = try await stack.pricing.updateSettings(settings)
        var numbers: [String] = []
        for index in 0..<12 {
          numbers.append(
            try await stack.orders.createOrder(
              stack.orderRequest("o-kill-\(index)", [("TEA-1", 1_000, 30_00, 0)])
            ).number
          )
        }
        let reservations: @Sendable () async throws -> Int = {
          try await supplyPool.tenantQuery(tenant, "SELECT count(*)::bigint AS n FROM reservation")[
            0
          ]
          .decode("n", as: Int.self)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
          for number in numbers {
            group.addTask {
              var ref = Erp_Sales_V1_OrderRef()
              ref.number = number
              _ = try? await stack.orders.confirmOrder(ref)  // some fail: the peer is killed
            }
          }
          try await eventually("the first reservation") { try await reservations() > 0 }
          first.signal(SIGKILL)
          _ = try await first.waitForExit()
          try await group.waitForAll()
        }
        // With the supply chain dead nothing moves on: these orders wait for the restart.
        let stuck = try await salesPool.tenantQuery(
          tenant,
          "SELECT count(*)::bigint AS n FROM sales_order WHERE progress = 'confirming'"
        )[0].decode("n", as: Int.self)
        #expect(stuck > 0, "the kill left no confirmation half way")
        let second = try await RunningProcess(supplyExecutable, [], environment: supplyEnvironment)
        defer { second.signal(SIGTERM) }

        try await eventually("every order confirmed or draft, nothing in progress") {
          let open = try await salesPool.tenantQuery(
            tenant,
            "SELECT count(*)::bigint AS n FROM sales_order "
              + "WHERE progress <> 'idle' OR status NOT IN ('confirmed', 'draft')"
          )
          return try open[0].decode("n", as: Int.self) == 0
        }
        let orders = try await salesPool.tenantQuery(
          tenant,
          "SELECT number, status FROM sales_order ORDER BY number"
        )
        let held = try await supplyPool.tenantQuery(
          tenant,
          "SELECT order_id, sum(quantity_milli)::bigint AS held FROM reservation "
            + "WHERE NOT released GROUP BY order_id"
        ).reduce(into: [String: Int64]()) { $0[try $1.decode("order_id")] = try $1.decode("held") }
        var confirmed = 0
        for order in orders {
          let number: String = try order.decode("number")
          let status: String = try order.decode("status")
          if status == "confirmed" { confirmed += 1 }
          #expect(held[number] == (status == "confirmed" ? 1_000 : nil), "\(number) \(status)")
        }
        #expect(orders.count == 12)
        #expect(confirmed == 10)  // ten units: later orders find none and go back to draft
        #expect(try await stack.available("TEA-1") == 10_000 - Int64(confirmed) * 1_000)
      }
      // The recovery worker and the relay sleep between wake-ups; SIGTERM still ends sales.
      salesProcess.signal(SIGTERM)
      #expect(try await salesProcess.waitForExit() == 0)
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import Sales
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Supply chain killed during confirmations")
struct SupplyChainKillTests {
  static let secret = "fault-test-secret-0123456789"

  /// erp-sales and erp-supplychain run as real processes (finance and customers are served
  /// here). Twelve orders for one unit of a ten-unit item are confirmed at once and the supply
  /// chain is killed with SIGKILL as soon as the first reservation is made, then started again.
  /// Without a restart of sales, every order converges to confirmed (its reservation open) or
  /// draft (no open reservation), never more confirmed than the stock allows.
  @Test("kill -9 of the supply chain mid-confirmations: every order converges, reservations match")
  func ordersConvergeAfterTheSupplyChainIsKilled() async throws {
    try await SalesStack.peers { ports, tenant, pools, servers in
      await servers["supplychain"]!.stop()  // the process below serves its database instead
      let salesDatabase = "so_sales_fault"
      let salesPool = try await TestDatabase.isolatedPool(salesDatabase, maxConnections: 2)
      try await salesPool.provision(tenant, migrations: SalesService.definition.migrations)
      let supplyPool = pools["supplychain"]!
      let free = try FreePorts.distinct(4)
      let (supplyPort, supplyOps, salesPort, salesOps) = (free[0], free[1], free[2], free[3])
      var common = ProcessInfo.processInfo.environment
      common["ERP_SERVICE_SECRET"] = Self.secret
      common["ERP_LOG_LEVEL"] = "info"
      common["ERP_PEER_FINANCE"] = "127.0.0.1:\(ports["finance"]!)"
      var supply = common
      supply["ERP_DATABASE_URL"] = try await TestDatabase.isolatedConninfo("so_supplychain")
      supply["ERP_PORT"] = String(supplyPort)
      supply["ERP_OPS_PORT"] = String(supplyOps)
      var sales = common
      sales["ERP_DATABASE_URL"] = try await TestDatabase.isolatedConninfo(salesDatabase)
      sales["ERP_PORT"] = String(salesPort)
      sales["ERP_OPS_PORT"] = String(salesOps)
      sales["ERP_PEER_CUSTOMERS"] = "127.0.0.1:\(ports["customers"]!)"
      sales["ERP_PEER_SUPPLYCHAIN"] = "127.0.0.1:\(supplyPort)"

      let supplyExecutable = try Subprocess.builtProduct("erp-supplychain")
      let supplyEnvironment = supply
      let first = try await RunningProcess(supplyExecutable, [], environment: supplyEnvironment)
      try await CrashRecoveryTests.waitUntilReady(Int(supply["ERP_OPS_PORT"]!)!)
      let salesProcess = try await RunningProcess(
        try Subprocess.builtProduct("erp-sales"),
        [],
        environment: sales
      )
      defer { salesProcess.signal(SIGTERM) }
      try await CrashRecoveryTests.waitUntilReady(salesOps)

      var processPorts = ports
      processPorts["supplychain"] = supplyPort
      try await SalesStack.clients(
        salesPort: salesPort,
        ports: processPorts,
        tenant: tenant,
        pool: salesPool,
        secret: Self.secret,
        supplychainSecret: Self.secret
      ) { stack in
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
      await salesPool.shutdown()
    }
  }
}

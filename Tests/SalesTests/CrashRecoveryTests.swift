import ERPProtos
import ERPRuntime
import ERPStore
import ERPTestSupport
import Foundation
import GRPCCore
import Sales
import Testing

@Suite("Sales killed mid-order")
struct CrashRecoveryTests {
  /// erp-sales runs as a real process against the peers served here. With
  /// `ERP_SALES_FAULT=exit-after-reserve` it exits the moment an order's reservations are made,
  /// before the order is marked confirmed (the window a crash could hit). Restarted without it,
  /// its recovery finds the order still confirming and finishes it: reservations made once,
  /// one invoice, one event.
  @Test("killed between reserving and invoicing, then restarted: the order ends consistent")
  func recoveryFinishesTheConfirmation() async throws {
    try await SalesStack.peers { ports, tenant, _ in
      let database = "so_sales_crash"
      let conninfo = try await TestDatabase.isolatedConninfo(database)
      let pool = try await TestDatabase.isolatedPool(database, maxConnections: 2)
      try await pool.provision(tenant, migrations: SalesService.definition.migrations)
      await pool.shutdown()
      let own = try FreePorts.distinct(2)
      let (rpcPort, opsPort) = (own[0], own[1])
      let secret = "crash-test-secret-0123456789"
      var environment = ProcessInfo.processInfo.environment
      environment["ERP_DATABASE_URL"] = conninfo
      environment["ERP_PORT"] = String(rpcPort)
      environment["ERP_OPS_PORT"] = String(opsPort)
      environment["ERP_SERVICE_SECRET"] = secret
      environment["ERP_LOG_LEVEL"] = "info"
      for (name, port) in ports {
        environment["ERP_PEER_\(name.uppercased())"] = "127.0.0.1:\(port)"
      }
      let executable = try Subprocess.builtProduct("erp-sales")

      var faulty = environment
      faulty["ERP_SALES_FAULT"] = "exit-after-reserve"
      let first = try await RunningProcess(executable, [], environment: faulty)
      try await Self.waitUntilReady(opsPort)
      let number = try await SalesStack.clients(
        salesPort: rpcPort,
        ports: ports,
        tenant: tenant,
        pool: pool,
        secret: secret
      ) { stack in
        var settings = Erp_Sales_V1_SalesSettings()
        settings.invoiceOn = .confirmation
        settings.paymentTermsDays = 30
        _ = try await stack.pricing.updateSettings(settings)
        let order = try await stack.orders.createOrder(
          stack.orderRequest("o-crash", [("TEA-1", 4_000, 30_00, 0), ("CUP-1", 1_000, 12_00, 0)])
        )
        var ref = Erp_Sales_V1_OrderRef()
        ref.number = order.number
        await #expect(throws: (any Error).self) { _ = try await stack.orders.confirmOrder(ref) }
        return order.number
      }
      #expect(try await first.waitForExit() == 70)

      let second = try await RunningProcess(executable, [], environment: environment)
      defer { second.signal(SIGTERM) }
      try await Self.waitUntilReady(opsPort)
      try await SalesStack.clients(
        salesPort: rpcPort,
        ports: ports,
        tenant: tenant,
        pool: pool,
        secret: secret,
        seeded: true
      ) { stack in
        try await eventually("the restarted service confirms and invoices \(number)") {
          let order = try await stack.order(number)
          return order.status == .confirmed && !order.invoiceNumbers.isEmpty
        }
        let order = try await stack.order(number)
        #expect(order.status == .confirmed)
        #expect(order.invoiceNumbers.count == 1)
        #expect(try await stack.available("TEA-1") == 6_000)
        #expect(try await stack.available("CUP-1") == 3_000)
        #expect(try await stack.balance(role: "accounts_receivable") == order.total.unitsMinor)
        #expect(try await stack.events("order_confirmed").count == 1)
        #expect(second.output.contains("recovered \(number)"))
      }
    }
  }

  static func waitUntilReady(_ opsPort: Int) async throws {
    try await eventually("erp-sales is ready on ops port \(opsPort)") {
      (try? await OpsProbe.get(port: opsPort, path: "/readyz"))?.status == 200
    }
  }
}

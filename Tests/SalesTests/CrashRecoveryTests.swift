import ERPProtos
import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("Sales killed mid-order")
struct CrashRecoveryTests {
  /// erp-sales runs as a real process in the in-process sales member's place (its database,
  /// port and peers). With `ERP_SALES_FAULT=exit-after-reserve` it exits the moment an order's
  /// reservations are made, before the order is marked confirmed (the window a crash could hit).
  /// Restarted without it, its recovery finds the order still confirming and finishes it:
  /// reservations made once, one invoice, one event.
  @Test("killed between reserving and invoicing, then restarted: the order ends consistent")
  func recoveryFinishesTheConfirmation() async throws {
    try await SalesStack.system { system, tenant in
      let member = system["sales"]!
      await member.stop()  // the process below serves its database and port instead
      let opsPort = try FreePorts.distinct(1)[0]
      var environment = ProcessInfo.processInfo.environment.merging(
        member.processEnvironment(opsPort: opsPort)
      ) { $1 }
      environment["ERP_LOG_LEVEL"] = "info"
      let executable = try Subprocess.builtProduct("erp-sales")

      var faulty = environment
      faulty["ERP_SALES_FAULT"] = "exit-after-reserve"
      let first = try await RunningProcess(executable, [], environment: faulty)
      try await Self.waitUntilReady(opsPort)
      let number = try await Self.showingOutput(of: first) {
        try await SalesStack.clients(system, tenant) { stack in
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
      }
      #expect(try await first.waitForExit() == 70)

      let second = try await RunningProcess(executable, [], environment: environment)
      defer { second.signal(SIGTERM) }
      try await Self.waitUntilReady(opsPort)
      try await Self.showingOutput(of: second) {
        try await SalesStack.clients(system, tenant, seeded: true) { stack in
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
  }

  /// Runs `body`; when it throws, records what the process printed beside the error, so a
  /// failed run shows what erp-sales said (its last 4,000 characters).
  static func showingOutput<T: Sendable>(
    of process: RunningProcess,
    _ body: () async throws -> T
  ) async throws -> T {
    do {
      return try await body()
    } catch {
      Issue.record("erp-sales printed:\n\(process.output.suffix(4_000))")
      throw error
    }
  }

  static func waitUntilReady(_ opsPort: Int) async throws {
    try await eventually("erp-sales is ready on ops port \(opsPort)") {
      (try? await OpsProbe.get(port: opsPort, path: "/readyz"))?.status == 200
    }
  }
}

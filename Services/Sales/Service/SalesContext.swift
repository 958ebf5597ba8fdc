import ERPRuntime
import ERPStore
import Foundation

/// What the sales handlers share: the tenant databases, the other services, the outbox relay
/// (invoices and credit notes to finance, order facts to customers), the recovery worker's
/// queue (order steps left half way), and the fault a crash test asks for.
struct SalesContext: Sendable {
  let pool: ConnectionPool
  let peers: PeerClients
  let relay: OutboxRelay
  let recovery: RecoveryQueue
  let faults: Faults
  /// Counts the states orders enter; none when the service runs without metrics.
  var orders: OrderMetrics? = nil

  /// Fault injection for the crash-recovery test: `ERP_SALES_FAULT=exit-after-reserve` makes the
  /// process exit right after an order's reservations succeed and before it is marked
  /// confirmed, the window a real crash could hit. Unset in production.
  struct Faults: Sendable {
    var exitAfterReserve = false

    static func fromEnvironment() -> Faults {
      Faults(
        exitAfterReserve: ProcessInfo.processInfo.environment["ERP_SALES_FAULT"]
          == "exit-after-reserve"
      )
    }

    func reservedAll() {
      if self.exitAfterReserve { exit(70) }
    }
  }
}

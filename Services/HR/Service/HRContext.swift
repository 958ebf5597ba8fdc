import ERPRuntime
import ERPStore

/// What the HR handlers share: the tenant databases and the outbox relay carrying payroll
/// entries to finance.
struct HRContext: Sendable {
  let pool: ConnectionPool
  let relay: OutboxRelay
}

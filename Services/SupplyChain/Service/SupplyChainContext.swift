import ERPRuntime
import ERPStore

/// What the supply chain handlers share: the tenant databases, the other services, and the
/// outbox relay that carries postings to finance.
struct SupplyChainContext: Sendable {
  let pool: ConnectionPool
  let peers: PeerClients
  let relay: OutboxRelay
}

public import ERPRuntime
public import ERPStore
public import GRPCCore
public import Logging

/// The supply chain service as the runtime sees it: migrations, the four APIs, and the outbox
/// relay that delivers its postings to finance (peer `finance`).
public enum SupplyChainService {
  public static let definition = ServiceDefinition(
    name: "supplychain",
    migrations: SupplyChainMigrations.all,
    make: { environment in
      let relay = FinancePostings.relay(
        pool: environment.pool,
        peers: environment.peers,
        logger: environment.logger,
        metrics: environment.metrics
      )
      return ServiceParts(
        services: Self.services(pool: environment.pool, peers: environment.peers, relay: relay),
        background: [relay]
      )
    }
  )

  /// The RPC services (the tests and benchmarks serve them directly).
  public static func services(
    pool: ConnectionPool,
    peers: PeerClients,
    relay: OutboxRelay
  )
    -> [any RegistrableRPCService]
  {
    let context = SupplyChainContext(pool: pool, peers: peers, relay: relay)
    return [
      CatalogAPI(pool: pool), StockAPI(context: context), PurchasingAPI(context: context),
      ShippingAPI(context: context),
    ]
  }
}

public import ERPRuntime
public import ERPStore
public import GRPCCore
public import Logging
public import ServiceLifecycle

/// The sales service as the runtime sees it: migrations, the three APIs, the outbox relay
/// (invoices and credit notes to finance, order facts to customers) and the recovery worker
/// that finishes interrupted order steps. Peers: customers, supplychain, finance.
public enum SalesService {
  public static let definition = ServiceDefinition(
    name: "sales",
    migrations: SalesMigrations.all,
    make: { environment in
      let parts = Self.parts(
        pool: environment.pool,
        peers: environment.peers,
        logger: environment.logger,
        metrics: environment.metrics
      )
      return ServiceParts(services: parts.services, background: [parts.relay, parts.recovery])
    }
  )

  /// The RPC services and the two background workers they rely on (the tests run them the same
  /// way). Fault injection for the crash test comes from `ERP_SALES_FAULT`. `metrics`: the
  /// service's, for the relay's and the orders' metrics; none when nil.
  public static func parts(
    pool: ConnectionPool,
    peers: PeerClients,
    logger: Logger,
    metrics: ServiceMetrics? = nil
  ) -> (
    services: [any RegistrableRPCService], relay: OutboxRelay, recovery: any Service
  ) {
    let relay = OutboxRelay(
      pool: pool,
      logger: logger,
      metrics: metrics,
      deliver: SalesDelivery.deliver(pool: pool, peers: peers)
    )
    let context = SalesContext(
      pool: pool,
      peers: peers,
      relay: relay,
      recovery: RecoveryQueue(),
      faults: .fromEnvironment(),
      orders: metrics.map(OrderMetrics.init)
    )
    return (
      [PricingAPI(pool: pool), OrdersAPI(context: context), SalesReportsAPI(pool: pool)],
      relay,
      OrderRecovery(context: context, logger: logger)
    )
  }
}

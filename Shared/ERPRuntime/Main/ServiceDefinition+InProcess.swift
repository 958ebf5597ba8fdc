public import ERPStore
public import GRPCCore
public import Logging
public import Prometheus
public import ServiceLifecycle

extension ServiceDefinition {
  /// The definition's RPC services (TenantAdmin first, as the runner serves it) and the
  /// background work they asked for (outbox relays, recovery workers), made on `pool` and
  /// `peers` outside a ``ServiceRunner``: what a test or benchmark serves in-process, built by
  /// the same `makeServices` as production, configured with the entry's defaults and `secret`
  /// as the services' shared secret. The caller runs the background services for as long as
  /// it serves the RPC services.
  public func inProcessParts(
    service entry: ServiceEntry,
    pool: ConnectionPool,
    peers: PeerClients,
    secret: String,
    logger: Logger
  ) throws -> (services: [any RegistrableRPCService], background: [any Service]) {
    let background = BackgroundWork()
    let environment = ServiceEnvironment(
      configuration: try ServiceConfiguration(
        service: entry,
        options: try ServiceOptions.parse([]),
        environment: ["ERP_DATABASE_URL": "in-process", "ERP_SERVICE_SECRET": secret]
      ),
      pool: pool,
      logger: logger,
      registry: PrometheusCollectorRegistry(),
      peers: peers,
      background: background
    )
    let services: [any RegistrableRPCService] =
      [TenantAdminService(service: self.name, pool: pool, migrations: self.migrations)]
      + self.makeServices(environment)
    return (services, background.all)
  }
}

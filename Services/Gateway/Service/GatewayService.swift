public import ERPRuntime
public import ERPStore
public import GRPCCore
public import Logging

/// The gateway as the runtime sees it: its own tables (no tenant schemas of its own: it keeps
/// the registry), the operator APIs, forwarding to every domain service, and its own access
/// control (operator token, partner API keys) in place of the services' shared secret. The
/// operator token comes from `ERP_OPERATOR_TOKEN`; without one, operator calls are refused.
public enum GatewayService {
  public static let definition = ServiceDefinition(
    name: "gateway",
    ownSchemas: [GatewaySchema.schema],
    migrations: [],
    make: { environment in
      // Its run() keeps the process up at shutdown until the queued audit rows are written.
      let audit = AuditLog(pool: environment.pool, logger: environment.logger)
      // One access control (one set of rate-limit buckets) for every door.
      let access = Self.access(
        pool: environment.pool,
        operatorToken: environment.variables["ERP_OPERATOR_TOKEN"] ?? "",
        serviceSecret: environment.configuration.serviceSecret,
        logger: environment.logger,
        audit: audit
      )
      let sealing = WebhookSealing(serviceSecret: environment.configuration.serviceSecret)
      let dispatcher = WebhookDispatcher(
        pool: environment.pool,
        settings: WebhookSettings(environment.variables),
        sealing: sealing,
        logger: environment.logger
      )
      let services =
        Self.services(pool: environment.pool, peers: environment.peers) + [
          WebhooksAPI(pool: environment.pool, sealing: sealing, dispatcher: dispatcher),
          EventsAPI(pool: environment.pool, dispatcher: dispatcher),
        ]
      let json = JSONDoor(
        config: .init(
          host: environment.configuration.host,
          port: environment.configuration.jsonPort
        ),
        services: services,
        interceptors: environment.serverInterceptors(access: [access]),
        logger: environment.logger
      )
      return ServiceParts(
        services: services,
        background: [audit, dispatcher, json],
        access: [access],
        // Standard gRPC over HTTP/2 on the same services and interceptors (port 7200).
        doors: [HTTP2Door.door(variables: environment.variables)]
      )
    }
  )

  /// Creates or migrates the gateway's own schema (what its start-up does first).
  public static func prepareDatabase(_ pool: ConnectionPool) async throws {
    try await Self.definition.prepareDatabase(pool)
  }

  public static func services(
    pool: ConnectionPool,
    peers: PeerClients
  ) -> [any RegistrableRPCService] {
    [
      TenantsAPI(pool: pool, peers: peers), ApiKeysAPI(pool: pool), ViewsAPI(peers: peers),
      Forwarding(peers: peers),
    ]
  }

  public static func access(
    pool: ConnectionPool,
    operatorToken: String,
    serviceSecret: String,
    logger: Logger
  ) -> any ServerInterceptor {
    Self.access(
      pool: pool,
      operatorToken: operatorToken,
      serviceSecret: serviceSecret,
      logger: logger,
      audit: AuditLog(pool: pool, logger: logger)
    )
  }

  static func access(
    pool: ConnectionPool,
    operatorToken: String,
    serviceSecret: String,
    logger: Logger,
    audit: AuditLog
  ) -> any ServerInterceptor {
    GatewayAccessInterceptor(
      pool: pool,
      operatorToken: operatorToken,
      serviceSecret: serviceSecret,
      limiter: RateLimiter(),
      failures: RateLimiter(),
      grants: .shared,
      audit: audit,
      logger: logger
    )
  }
}

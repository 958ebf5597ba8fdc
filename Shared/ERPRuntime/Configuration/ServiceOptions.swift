public import ArgumentParser

/// What a service executable does: serve RPCs (the default) or bring every tenant's schema up to
/// date and exit.
public enum ServiceCommand: String, ExpressibleByArgument, CaseIterable, Sendable {
  case serve
  case migrateAll = "migrate-all"
}

/// Command-line flags of every service executable. Each flag overrides an environment variable of
/// the same meaning (the README's configuration table); `ServiceConfiguration` resolves the two.
public struct ServiceOptions: ParsableArguments, Sendable {
  @Argument(help: "serve (default) or migrate-all.")
  public var command: ServiceCommand = .serve

  @Option(help: "Address to listen on for RPCs. Env: ERP_HOST. Default: 127.0.0.1.")
  public var host: String?

  @Option(help: "RPC port. Env: ERP_PORT. Default: the service's port in the README.")
  public var port: Int?

  @Option(help: "Ops HTTP port (/healthz, /readyz, /metrics). Env: ERP_OPS_PORT.")
  public var opsPort: Int?

  @Option(help: "libpq connection string or URI of this service's database. Env: ERP_DATABASE_URL.")
  public var databaseURL: String?

  @Option(help: "Shared secret service-to-service calls carry. Env: ERP_SERVICE_SECRET.")
  public var serviceSecret: String?

  @Option(help: "Most database connections this process opens. Env: ERP_DB_POOL_SIZE. Default: 10.")
  public var dbPoolSize: Int?

  @Option(
    help: "Seconds in-flight calls get to finish on SIGTERM. Env: ERP_DRAIN_SECONDS. Default: 10."
  )
  public var drainSeconds: Int?

  @Option(help: "trace, debug, info, notice, warning, error or critical. Env: ERP_LOG_LEVEL.")
  public var logLevel: String?

  @Option(
    name: .customLong("peer"),
    help: "Where another service listens, as name=host:port[,host:port]. Env: ERP_PEER_<NAME>."
  )
  public var peers: [String] = []

  @Option(help: "Gateway: gRPC over HTTP/2 port. Env: ERP_GATEWAY_HTTP2_PORT. Default: 7200.")
  public var http2Port: Int?

  @Option(
    help: "Gateway: PEM certificate chain for TLS on the HTTP/2 port. Env: ERP_GATEWAY_TLS_CERT."
  )
  public var tlsCert: String?

  @Option(help: "Gateway: PEM private key for TLS on the HTTP/2 port. Env: ERP_GATEWAY_TLS_KEY.")
  public var tlsKey: String?
  @Option(help: "The gateway's JSON over HTTP port (Connect). Env: ERP_JSON_PORT. Default: 7300.")
  public var jsonPort: Int?

  public init() {}

  /// `environment` with the flags of settings only one service reads put in place of their
  /// variables: that service reads them from ``ServiceEnvironment/variables``.
  public func variables(over environment: [String: String]) -> [String: String] {
    var variables = environment
    if let http2Port { variables["ERP_GATEWAY_HTTP2_PORT"] = String(http2Port) }
    if let tlsCert { variables["ERP_GATEWAY_TLS_CERT"] = tlsCert }
    if let tlsKey { variables["ERP_GATEWAY_TLS_KEY"] = tlsKey }
    return variables
  }
}

public import ERPProtos
public import ERPStore
public import ERPTransport
public import GRPCCore
import Logging
import ServiceLifecycle

/// The connections a service keeps to the other services it calls, one gRPC client per peer
/// named in its configuration (`--peer` / `ERP_PEER_<NAME>`). Every call carries the services'
/// shared secret and the tenant, request id and deadline of the call being handled
/// (``DownstreamInterceptor``). The runner runs the connections for the life of the process.
/// Handlers reach a peer's services by domain, typed: `try peers.finance.billing`
/// (``ERPDomainConnections``, generated from the contracts).
public final class PeerClients: ERPDomainConnections {
  private let clients: [String: GRPCClient<ERPTransport.Client>]

  /// `metrics`: the calling service's, for `erp_rpc_client_*` (``RPCClientMetricsInterceptor``).
  /// `tracer`: each call gets a client span whose context travels in `traceparent`
  /// (``TracingClientInterceptor``).
  public init(
    targets: [String: [ERPTransport.Client.Target]],
    secret: String,
    metrics: ServiceMetrics? = nil,
    tracer: ServiceTracer = .off
  ) {
    var interceptors: [any ClientInterceptor] =
      metrics.map { [RPCClientMetricsInterceptor(metrics: $0)] } ?? []
    interceptors.append(DownstreamInterceptor(secret: secret))
    if tracer.isOn { interceptors.insert(TracingClientInterceptor(tracer: tracer), at: 0) }
    self.clients = Dictionary(
      uniqueKeysWithValues: targets.map { name, targets in
        // A failed connection to the peer is logged under its name (the transport's reason).
        var config = ERPTransport.Client.Config()
        config.logger[metadataKey: "peer"] = "\(name)"
        let transport = ERPTransport.Client(targets: targets, config: config)
        return (name, GRPCClient(transport: transport, interceptors: interceptors))
      }
    )
  }

  /// The client for the service called `name`; UNAVAILABLE when no address was configured, so
  /// a service missing a peer fails the calls that need it, not its start-up.
  public func client(_ name: String) throws -> GRPCClient<ERPTransport.Client> {
    guard let client = self.clients[name] else {
      let variable = ServiceCatalog.entry(named: name)?.peerVariable ?? "ERP_PEER_?"
      throw RPCError(
        code: .unavailable,
        message: "\(name) service: no address configured (--peer \(name)=host:port or \(variable))"
      )
    }
    return client
  }

  /// Whether an address was configured for the service called `name`.
  public func isConfigured(_ name: String) -> Bool { self.clients[name] != nil }

  /// The connection to `domain`'s service (``ERPDomainConnections``).
  public func connection(to domain: ERPDomain) throws -> GRPCClient<ERPTransport.Client> {
    try self.client(domain.rawValue)
  }

  /// Runs every peer's connections until `shutdown()`.
  public func runConnections() async throws {
    try await withThrowingDiscardingTaskGroup { group in
      for client in self.clients.values {
        group.addTask { try await client.runConnections() }
      }
    }
  }

  /// Lets calls in flight finish, then closes the connections.
  public func shutdown() {
    for client in self.clients.values { client.beginGracefulShutdown() }
  }
}

/// The peers' connections as a member of the runner's service group: they stay up until the
/// group shuts down gracefully, after the RPC server has drained (the server's handlers may
/// still be calling peers while it drains).
struct PeerConnectionsService: Service {
  let peers: PeerClients

  func run() async throws {
    try await withGracefulShutdownHandler {
      try await self.peers.runConnections()
    } onGracefulShutdown: {
      self.peers.shutdown()
    }
  }
}

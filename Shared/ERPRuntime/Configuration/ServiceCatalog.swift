/// The services of the system, with the ports and database each uses by default. One table, so
/// that a service, `make run` and the tests agree on where everything is.
public struct ServiceEntry: Sendable, Hashable {
  /// The service's short name: the executable is `erp-<name>`, its database `erp_<name>`.
  public var name: String
  /// RPC port when neither `--port` nor `ERP_PORT` says otherwise.
  public var defaultPort: Int
  /// Ops HTTP port (health, readiness, metrics) by default.
  public var defaultOpsPort: Int

  public var executable: String { "erp-" + self.name }
  public var database: String { "erp_" + self.name }
  /// The environment variable that tells other services where this one listens.
  public var peerVariable: String { "ERP_PEER_" + self.name.uppercased() }
}

public enum ServiceCatalog {
  /// In start-up order: a service comes after the ones it calls.
  public static let all: [ServiceEntry] = [
    ServiceEntry(name: "finance", defaultPort: 7103, defaultOpsPort: 8103),
    ServiceEntry(name: "customers", defaultPort: 7101, defaultOpsPort: 8101),
    ServiceEntry(name: "supplychain", defaultPort: 7104, defaultOpsPort: 8104),
    ServiceEntry(name: "hr", defaultPort: 7105, defaultOpsPort: 8105),
    ServiceEntry(name: "sales", defaultPort: 7102, defaultOpsPort: 8102),
    ServiceEntry(name: "gateway", defaultPort: 7100, defaultOpsPort: 8100),
  ]

  public static func entry(named name: String) -> ServiceEntry? {
    Self.all.first { $0.name == name }
  }
}

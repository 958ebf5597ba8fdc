public import ERPProtos

/// The services of the system, with the ports and database each uses by default. One table, so
/// that a service, `make run` and the tests agree on where everything is. The domains come from
/// the contracts (``ERPDomain``, generated from proto/erp); what they do not say, where each
/// listens and whom it calls, is ``ServiceCatalog/placement(of:)``.
public struct ServiceEntry: Sendable, Hashable {
  /// The service's short name: the executable is `erp-<name>`, its database `erp_<name>`.
  public var name: String
  /// RPC port when neither `--port` nor `ERP_PORT` says otherwise.
  public var defaultPort: Int
  /// Ops HTTP port (health, readiness, metrics) by default.
  public var defaultOpsPort: Int
  /// The business domain the service serves; nil for the gateway.
  public var domain: ERPDomain? = nil

  public var executable: String { "erp-" + self.name }
  public var database: String { "erp_" + self.name }
  /// The environment variable that tells other services where this one listens.
  public var peerVariable: String { "ERP_PEER_" + self.name.uppercased() }
}

public enum ServiceCatalog {
  /// Where a domain's service listens by default (RPC; ops HTTP is 1000 above) and the domains
  /// it calls, which start before it. The switch is exhaustive: a new domain in the contracts
  /// does not compile until it has its place here.
  public static func placement(of domain: ERPDomain) -> (port: Int, calls: [ERPDomain]) {
    switch domain {
    case .customers: (7101, [])
    case .sales: (7102, [.customers, .supplychain, .finance])
    case .finance: (7103, [])
    case .supplychain: (7104, [.finance])
    case .hr: (7105, [.finance])
    }
  }

  /// The gateway: the edge partners call, in front of every domain (it starts last).
  public static let gateway = ServiceEntry(name: "gateway", defaultPort: 7100, defaultOpsPort: 8100)

  /// Every domain's service, in start-up order: a service comes after the ones it calls.
  public static let domains: [ServiceEntry] = Self.startOrder().map { domain in
    let port = Self.placement(of: domain).port
    return ServiceEntry(
      name: domain.rawValue,
      defaultPort: port,
      defaultOpsPort: port + 1000,
      domain: domain
    )
  }

  /// In start-up order: a service comes after the ones it calls; the gateway last.
  public static let all: [ServiceEntry] = Self.domains + [Self.gateway]

  public static func entry(named name: String) -> ServiceEntry? {
    Self.all.first { $0.name == name }
  }

  public static func entry(_ domain: ERPDomain) -> ServiceEntry {
    Self.domains.first { $0.domain == domain }!
  }

  /// The domains ordered so that each comes after those it calls (the contracts' order among
  /// the ones that could start together).
  static func startOrder() -> [ERPDomain] {
    var ordered: [ERPDomain] = []
    var pending = ERPDomain.allCases
    while !pending.isEmpty {
      let next =
        pending.firstIndex { domain in
          Self.placement(of: domain).calls.allSatisfy(ordered.contains)
        } ?? 0  // a cycle: start it anyway (the calls fail until the peer is up)
      ordered.append(pending.remove(at: next))
    }
    return ordered
  }
}

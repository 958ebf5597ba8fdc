import ERPProtos
import ERPRuntime
import Foundation
import Testing

/// The domain catalog generated from the contracts, the service catalog derived from it, and
/// the deployment files, which must name every service of the catalog the way it runs.
@Suite struct DomainCatalogTests {
  @Test func serviceCatalogIsTheContractsDomainsThenTheGateway() {
    #expect(ServiceCatalog.domains.map(\.name).sorted() == ERPDomain.allCases.map(\.rawValue))
    #expect(ServiceCatalog.domains.allSatisfy { $0.domain?.rawValue == $0.name })
    #expect(ServiceCatalog.all.last == ServiceCatalog.gateway)
    #expect(ServiceCatalog.all.count == ERPDomain.allCases.count + 1)
    let ports = ServiceCatalog.all.flatMap { [$0.defaultPort, $0.defaultOpsPort] }
    #expect(Set(ports).count == ports.count)
    for domain in ERPDomain.allCases {
      #expect(ServiceCatalog.entry(domain).database == "erp_\(domain.rawValue)")
      #expect(ServiceCatalog.entry(named: domain.rawValue) == ServiceCatalog.entry(domain))
    }
  }

  @Test func everyServiceStartsAfterTheOnesItCalls() {
    let order = ServiceCatalog.domains.compactMap(\.domain)
    for (index, domain) in order.enumerated() {
      for called in ServiceCatalog.placement(of: domain).calls {
        #expect(order.firstIndex(of: called)! < index, "\(domain) starts before \(called)")
      }
    }
  }

  @Test func everyDomainServiceIsInItsDomainsPackage() {
    var methods = 0
    for domain in ERPDomain.allCases {
      #expect(!domain.services.isEmpty)
      for service in domain.services {
        #expect(service.descriptor.fullyQualifiedService.hasPrefix(domain.package + "."))
        #expect(!service.methods.isEmpty)
        for method in service.methods {
          #expect(method.descriptor.service == service.descriptor)
          #expect(ERPCatalog.domainMethods[method.descriptor]?.domain == domain)
          methods += 1
        }
      }
    }
    #expect(ERPCatalog.domainMethods.count == methods)
    for service in ERPCatalog.shared + ERPCatalog.edge {
      #expect(service.methods.allSatisfy { ERPCatalog.domainMethods[$0.descriptor] == nil })
    }
    #expect(
      ERPCatalog.shared.map(\.descriptor.fullyQualifiedService).sorted()
        == ["erp.common.v1.RecordHistory", "erp.common.v1.TenantAdmin"]
    )
  }

  @Test func everyDomainHasAReadAndAWriteScope() {
    for domain in ERPDomain.allCases {
      #expect(domain.readScope == domain.rawValue + ":read")
      #expect(domain.writeScope == domain.rawValue + ":write")
    }
  }

  // MARK: - Deployment files

  static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy")

  static func read(_ path: String) throws -> String {
    try String(contentsOf: Self.deploy.appendingPathComponent(path), encoding: .utf8)
  }

  /// The block of `compose.yaml` under `services:` for `name` (its lines up to the next
  /// entry at the same indentation).
  static func composeBlock(_ compose: String, _ name: String) -> String? {
    let lines = compose.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let start = lines.firstIndex(of: "  \(name):") else { return nil }
    let rest = lines[(start + 1)...].prefix { line in
      line.isEmpty || line.hasPrefix("   ")
    }
    return rest.joined(separator: "\n")
  }

  /// The top-level entries of compose's `services:`.
  static func composeServices(_ compose: String) -> [String] {
    let lines = compose.split(separator: "\n").map(String.init)
    guard let start = lines.firstIndex(of: "services:") else { return [] }
    return lines[(start + 1)...].prefix { $0.hasPrefix(" ") || $0.isEmpty }
      .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") && $0.hasSuffix(":") }
      .map { String($0.dropFirst(2).dropLast()) }
  }

  @Test func composeRunsEveryServiceOfTheCatalogAsItIsPlaced() throws {
    let compose = try Self.read("compose.yaml")
    for entry in ServiceCatalog.all {
      let block = try #require(
        Self.composeBlock(compose, entry.name),
        "compose lacks \(entry.name)"
      )
      #expect(block.contains("image: \(entry.executable)\n"), "\(entry.name): image")
      #expect(block.contains("SERVICE: \(entry.name)\n"), "\(entry.name): build arg")
      #expect(block.contains("ERP_PORT: \"\(entry.defaultPort)\""), "\(entry.name): port")
      #expect(block.contains("ERP_OPS_PORT: \"\(entry.defaultOpsPort)\""), "\(entry.name): ops")
      #expect(block.contains("dbname=\(entry.database)\""), "\(entry.name): database")
    }
    let others = Set(Self.composeServices(compose)).subtracting(ServiceCatalog.all.map(\.name))
    // Besides the catalog's services: the database, PgBouncer in front of it, the demo tenant.
    #expect(
      others == ["postgres", "pgbouncer", "demo-tenant"],
      "compose runs services the catalog lacks"
    )
  }

  @Test func kubernetesDeploysEveryServiceOfTheCatalogAsItIsPlaced() throws {
    let kustomization = try Self.read("k8s/base/kustomization.yaml")
    for entry in ServiceCatalog.all {
      #expect(kustomization.contains("  - \(entry.name).yaml\n"), "kustomization: \(entry.name)")
      let manifest = try Self.read("k8s/base/\(entry.name).yaml")
      #expect(manifest.contains("image: \(entry.executable):latest"), "\(entry.name): image")
      #expect(manifest.contains("containerPort: \(entry.defaultPort)\n"), "\(entry.name): port")
      #expect(manifest.contains("containerPort: \(entry.defaultOpsPort)\n"), "\(entry.name): ops")
      #expect(manifest.contains("dbname=\(entry.database)\""), "\(entry.name): database")
    }
    let deployments = try FileManager.default.contentsOfDirectory(
      atPath: Self.deploy.appendingPathComponent("k8s/base").path
    ).filter { name in
      (try? Self.read("k8s/base/" + name))?.contains("\nkind: Deployment\n") == true
    }
    #expect(Set(deployments) == Set(ServiceCatalog.all.map { $0.name + ".yaml" }))
  }

  @Test func everyServiceHasItsDatabaseAndItsPeerAddress() throws {
    let environment = try Self.read("k8s/base/service.env")
    for entry in ServiceCatalog.all {
      #expect(environment.contains("\(entry.peerVariable)=\(entry.name):\(entry.defaultPort)\n"))
      for script in ["postgres/init.sql", "citus/init.sql"] {
        #expect(try Self.read(script).contains("CREATE DATABASE \(entry.database);"), "\(script)")
      }
    }
  }
}

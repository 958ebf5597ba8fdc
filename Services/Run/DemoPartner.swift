import ERPClient
import ERPDevCluster
import ERPProtos
import ERPRuntime
import Foundation
import GRPCCore

/// The partner's view of the demo, through the gateway: the `demo` tenant entered in the
/// gateway's registry, a partner key for it (issued once, kept in `<run dir>/demo-partner-key`),
/// then erpctl prints the tenant's dashboard and one customer 360, as a partner would see them.
enum DemoPartner {
  static func showcase(
    portOffset: Int,
    operatorToken: String,
    runDirectory: String,
    output: LinePrinter
  ) async throws {
    let gateway = "127.0.0.1:\(ServiceCatalog.gateway.defaultPort + portOffset)"
    let key = try await Self.partnerKey(
      gateway: gateway,
      operatorToken: operatorToken,
      runDirectory: runDirectory
    )
    output.print("demo partner key (also in \(runDirectory)/demo-partner-key): \(key)")
    let json = "http://127.0.0.1:\(ServiceConfiguration.defaultJSONPort + portOffset)"
    output.print("JSON (Connect) \(json)  docs \(json)/docs  OpenAPI \(json)/openapi.json")
    output.print(
      "$ curl -s \(json)/erp.customers.v1.Customers/SearchCustomers "
        + "-H 'Authorization: Bearer \(key)' -H 'Content-Type: application/json' "
        + "-d '{\"query\":\"\"}'"
    )
    let erpctl = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().appendingPathComponent("erpctl").path
    guard FileManager.default.isExecutableFile(atPath: erpctl) else {
      output.print("erpctl was not built; skipping the dashboard")
      return
    }
    let customer = try await Self.firstCustomer(gateway: gateway, key: key)
    for arguments in [["dashboard"], ["customer360", customer]] {
      output.print("$ erpctl \(arguments.joined(separator: " "))")
      let printed = try await ChildProcess.collect(
        erpctl,
        arguments + ["--address", gateway, "--key", key],
        streams: .merged
      )
      for line in printed.stdout.split(separator: "\n").map(String.init) {
        output.print("  " + line)
      }
    }
  }

  /// Registers `demo` with the gateway (provisioning is idempotent) and returns its partner
  /// key, issuing one the first time.
  private static func partnerKey(
    gateway: String,
    operatorToken: String,
    runDirectory: String
  ) async throws
    -> String
  {
    let file = runDirectory + "/demo-partner-key"
    return try await GatewayConnection.with(address: gateway, operatorToken: operatorToken) { erp in
      var create = Erp_Gateway_V1_CreateTenantRequest()
      create.tenantID = DemoTenant.id
      create.displayName = "Demo"
      _ = try await erp.tenants.createTenant(create)
      if let saved = try? String(contentsOfFile: file, encoding: .utf8), !saved.isEmpty {
        return saved.trimmingCharacters(in: .whitespacesAndNewlines)
      }
      var issue = Erp_Gateway_V1_IssueKeyRequest()
      issue.tenantID = DemoTenant.id
      issue.name = "demo partner"
      issue.scopes = ERPDomain.allCases.map(\.writeScope)
      let issued = try await erp.apiKeys.issueKey(issue)
      try FileManager.default.createDirectory(
        atPath: runDirectory,
        withIntermediateDirectories: true
      )
      try issued.secret.write(toFile: file, atomically: true, encoding: .utf8)
      return issued.secret
    }
  }

  private static func firstCustomer(gateway: String, key: String) async throws -> String {
    try await GatewayConnection.with(address: gateway, apiKey: key) { erp in
      var search = Erp_Customers_V1_SearchCustomersRequest()
      search.query = "النور"
      return try await erp.customers.searchCustomers(search).results.first?.customer.id ?? ""
    }
  }
}

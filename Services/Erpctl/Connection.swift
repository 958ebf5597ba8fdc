import ArgumentParser
import ERPClient
import Foundation
import GRPCCore

/// Where the gateway is and who is calling: flags, else environment variables.
struct Connection: ParsableArguments {
  @Option(help: "The gateway, host:port. Env: ERP_GATEWAY (default 127.0.0.1:7100).")
  var address: String?

  @Option(help: "A partner API key, or a staff session token (erps_…). Env: ERP_API_KEY.")
  var key: String?

  @Option(help: "The operator token, for tenants and keys. Env: ERP_OPERATOR_TOKEN.")
  var operatorToken: String?

  @Flag(help: "Print protobuf's JSON mapping instead of a table.")
  var json = false

  func run<T: Sendable>(
    interceptors: [any ClientInterceptor] = [],
    serviceConfig: ServiceConfig = ServiceConfig(),
    _ body: @Sendable (GatewayClients) async throws -> T
  ) async throws -> T {
    let environment = ProcessInfo.processInfo.environment
    return try await GatewayConnection.with(
      address: self.address ?? environment["ERP_GATEWAY"] ?? "127.0.0.1:7100",
      apiKey: self.key ?? environment["ERP_API_KEY"],
      operatorToken: self.operatorToken ?? environment["ERP_OPERATOR_TOKEN"],
      interceptors: interceptors,
      serviceConfig: serviceConfig,
      body
    )
  }
}

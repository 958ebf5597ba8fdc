import Crypto
import ERPClient
import Foundation
import Hummingbird
import Web

// erp-web: the staff console (Arabic first, right to left). Settings from the environment:
// ERP_WEB_HOST (127.0.0.1), ERP_WEB_PORT (7400), ERP_GATEWAY (the gateway's ERPT address,
// host:port, as erpctl takes it; 127.0.0.1:7100), ERP_WEB_KEY (32 bytes, base64: the key of the
// forms' CSRF tokens and the sealed list state, the same on every instance behind one address;
// random when unset, so forms served before a restart are refused after it),
// ERP_WEB_SECURE_COOKIES (1 behind TLS).
let environment = ProcessInfo.processInfo.environment
let host = environment["ERP_WEB_HOST"] ?? "127.0.0.1"
let port = environment["ERP_WEB_PORT"].flatMap(Int.init) ?? 7400
let gateway = environment["ERP_GATEWAY"] ?? "127.0.0.1:7100"
let key =
  environment["ERP_WEB_KEY"].flatMap { Data(base64Encoded: $0) }.flatMap {
    $0.count == 32 ? [UInt8]($0) : nil
  } ?? SymmetricKey(size: .bits256).withUnsafeBytes { [UInt8]($0) }
let secureCookies = environment["ERP_WEB_SECURE_COOKIES"] == "1"
try await GatewayConnection.with(address: gateway) { clients in
  let console = try WebConsole(
    config: .init(secureCookies: secureCookies, key: key),
    gateway: ConsoleGateway(clients)
  )
  let app = Application(
    router: console.router(),
    configuration: .init(address: .hostname(host, port: port), serverName: nil)
  )
  try await app.runService()
}

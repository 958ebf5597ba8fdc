import ERPRuntime
import Foundation

/// The staff console (erp-web) under `make run`: its own process beside the services, kept
/// running by the supervisor like them, on a fixed dev port (7400, shifted by
/// `ERP_RUN_PORT_OFFSET`), calling the gateway over ERPT. It starts after the demo staff exist,
/// so the sign-in it prints works at once.
enum ConsoleLaunch {
  static let executable = "erp-web"
  static let port = 7400

  /// The console's executable next to erp-run, when it was built.
  static func built() -> String? {
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
      .deletingLastPathComponent().path
    let path = folder + "/" + Self.executable
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
  }

  /// Its environment: the gateway's address and a forms key made once per run, so a console the
  /// supervisor restarts still accepts the forms it served before.
  static func environment(_ base: [String: String], portOffset: Int) -> [String: String] {
    var environment = base
    environment["ERP_GATEWAY"] = "127.0.0.1:\(ServiceCatalog.gateway.defaultPort + portOffset)"
    environment["ERP_WEB_HOST"] = "127.0.0.1"
    environment["ERP_WEB_PORT"] = String(Self.port + portOffset)
    if environment["ERP_WEB_KEY"] == nil {
      let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
      environment["ERP_WEB_KEY"] = Data(key).base64EncodedString()
    }
    return environment
  }

  /// Polls the console's `/healthz` until it answers 200; fails after a minute.
  static func waitUntilUp(portOffset: Int) async throws {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
      let answer = try? await OpsProbe.get(
        port: Self.port + portOffset,
        path: "/healthz",
        timeoutSeconds: 2
      )
      if answer?.status == 200 { return }
      guard ContinuousClock.now < deadline else {
        throw Launcher.Failure(description: "erp-web not up after 60 s")
      }
      try await Task.sleep(for: .milliseconds(200))
    }
  }
}

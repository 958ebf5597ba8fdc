import ERPProtos
import ERPRuntime
import ERPSystem
import ERPTestSupport
import Foundation
import Gateway
import Testing

/// A partner's stock gRPC client, sharing no code with us, against the gateway's HTTP/2 door:
/// Python's grpcio from PyPI (`make test` installs it into `.build/grpcio`), stubs compiled from
/// proto/ at test time, against the real gateway and services (Tests/grpcio/partner_client.py).
@Suite struct GRPCOverHTTP2Tests {
  /// Every service reflection must list: every forwarded domain service (the catalog's), the
  /// gateway's own, TenantAdmin, health and reflection. Not `RecordHistory`: each domain
  /// service serves its own records' history to the gateway, which partners read through
  /// `Audit.History`; the gateway keeps no history of its own to serve.
  static var servedServices: [String] {
    (ERPDomain.allCases.flatMap(\.services) + ERPCatalog.edge + ERPCatalog.shared)
      .map(\.descriptor.fullyQualifiedService)
      .filter { $0 != "erp.common.v1.RecordHistory" }
      + ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]
  }

  /// Unary, server and client streaming, error statuses, reflection listing every forwarded
  /// service, health Check, and a Watch that sees NOT_SERVING when the gateway drains.
  @Test("grpcio over HTTP/2: every call shape, errors, reflection, health through a drain")
  func stockClient() async throws {
    let python = try GRPCIO.python()
    try await GatewayHarness.run { harness in
      let tenant = try await harness.tenant("grpcio")
      let key = try await harness.key(tenant, scopes: ["customers:write", "finance:write"]).secret
      let gateway = try #require(harness.system["gateway"])
      let door = try #require(gateway.door(HTTP2Door.self))
      let port = try await door.listeningPort
      let client = try await RunningProcess(
        python,
        [
          Subprocess.repositoryRoot.appendingPathComponent("Tests/grpcio/partner_client.py").path,
          "--address", "127.0.0.1:\(port)", "--key", key,
          "--proto-root", Subprocess.repositoryRoot.appendingPathComponent("proto").path,
          "--services", Self.servedServices.joined(separator: ","),
        ],
        environment: ProcessInfo.processInfo.environment
      )
      // The Watch is open and SERVING: drain the gateway as SIGTERM does.
      try await client.waitFor("WATCHING", timeout: .seconds(240))
      await gateway.stop()
      let status = try await client.waitForExit()
      #expect(status == 0, "\(client.output)")
      #expect(client.output.contains("DRAINED"), "\(client.output)")
      #expect(client.output.components(separatedBy: "ok: ").count - 1 == 11, "\(client.output)")
    }
  }
}

/// The Python with grpcio and grpcio-tools that `make test` sets up (`make grpcio`).
enum GRPCIO {
  static func python() throws -> String {
    let path = Subprocess.repositoryRoot.appendingPathComponent(".build/grpcio/bin/python3").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
      throw Subprocess.Failure(
        description: "\(path) is missing: `make grpcio` (part of `make test`) installs Python's "
          + "grpcio and grpcio-tools from PyPI there"
      )
    }
    return path
  }
}

/// The HTTP/2 door with TLS from PEM files (`ERP_GATEWAY_TLS_CERT`, `ERP_GATEWAY_TLS_KEY`): a
/// certificate made here with openssl, trusted by the grpcio client, which checks health.
@Suite struct GRPCOverTLSTests {
  @Test("the HTTP/2 door serves TLS from PEM files; grpcio trusting the certificate connects")
  func tls() async throws {
    let python = try GRPCIO.python()
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("erp-tls-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let certificate = folder.appendingPathComponent("cert.pem").path
    let key = folder.appendingPathComponent("key.pem").path
    let made = try await Subprocess.run(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      ]
    )
    try #require(made.status == 0, "\(made.stderr)")
    var options = InProcessSystem.Options(services: ["gateway"]) { entry in
      try await TestDatabase.isolatedConninfo("tls_\(entry.name)")
    }
    options.variables["ERP_GATEWAY_TLS_CERT"] = certificate
    options.variables["ERP_GATEWAY_TLS_KEY"] = key
    try await InProcessSystem.run(options) { system in
      let door = try #require(system["gateway"]?.door(HTTP2Door.self))
      #expect(door.usesTLS)
      let port = try await door.listeningPort
      let client = try await Subprocess.run(
        python,
        [
          Subprocess.repositoryRoot.appendingPathComponent("Tests/grpcio/partner_client.py").path,
          "--address", "localhost:\(port)", "--key", "-", "--tls-root", certificate,
          "--proto-root", Subprocess.repositoryRoot.appendingPathComponent("proto").path,
        ]
      )
      #expect(client.status == 0, "\(client.stdout)\(client.stderr)")
      #expect(client.stdout.contains("ok: health Check over TLS is SERVING"))
    }
  }
}

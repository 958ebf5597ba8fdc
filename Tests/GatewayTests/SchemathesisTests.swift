import ERPDevCluster
import ERPProtos
import Foundation
import Testing

/// schemathesis (PyPI, pinned in the Makefile: `make schemathesis` installs it into
/// `.build/schemathesis`) generates requests for every path of the gateway's /openapi.json, valid
/// and invalid ones, and checks each answer: never a 5xx, a documented status and content type,
/// a body and headers matching the document's schemas. It runs as its own process against a
/// real gateway and real services; a machine without it fails the test, it never skips.
@Suite("Gateway: schemathesis against /openapi.json")
struct SchemathesisTests {
  /// `ERP_SCHEMATHESIS`, or the Makefile's virtualenv in the package.
  static var executable: String {
    if let path = ProcessInfo.processInfo.environment["ERP_SCHEMATHESIS"], !path.isEmpty {
      return path
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    return root.appendingPathComponent(".build/schemathesis/bin/schemathesis").path
  }

  @Test("every path: no 5xx, statuses, content types, headers and bodies as documented")
  func everyPath() async throws {
    let executable = Self.executable
    guard FileManager.default.isExecutableFile(atPath: executable) else {
      Issue.record("schemathesis is missing at \(executable): run `make schemathesis`")
      return
    }
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gws")
      let scopes = ["customers", "sales", "finance", "supplychain", "hr"].map { $0 + ":write" }
      // A bucket schemathesis does not empty: the rate limit's own answers are tested elsewhere.
      let key = try await gateway.key(tenant, scopes: scopes, rate: 100_000, burst: 100_000)
      let json = try await JSONClient.of(gateway)
      let base = "http://127.0.0.1:\(json.port)"
      let report = FileManager.default.temporaryDirectory
        .appendingPathComponent("schemathesis-\(UUID().uuidString)")
      let output = try await ChildProcess.collect(
        executable,
        [
          "run", "\(base)/openapi.json", "--url", base,
          "--header", "Authorization: Bearer \(key.secret)",
          "--checks",
          "not_a_server_error,status_code_conformance,content_type_conformance,"
            + "response_headers_conformance,response_schema_conformance",
          "--phases", "examples,fuzzing", "--max-examples", "3", "--seed", "20",
          "--workers", "2", "--no-shrink", "--request-timeout", "30",
          "--report-dir", report.path,
        ],
        environment: ProcessInfo.processInfo.environment.merging([
          "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": "",
        ]) { $1 },
        streams: .merged
      )
      try? FileManager.default.removeItem(at: report)
      #expect(output.status == 0, "schemathesis found failures:\n\(output.stdout.suffix(12_000))")
      // It tested every path of the document (its summary counts the operations it ran).
      let paths = ERPJSONAPI.all.filter { $0.kind == .unary }.count
      #expect(
        output.stdout.contains("Tested: \(paths)"),
        "schemathesis did not test all \(paths) paths:\n\(output.stdout.suffix(3_000))"
      )
    }
  }
}

import ERPProtos
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("erpctl against a running gateway")
struct ErpctlTests {
  @Test("CSV import (quoted fields, Arabic names, a bad row), search, and --json")
  func importAndSearch() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwc")
      let key = try await gateway.key(tenant).secret
      let file = NSTemporaryDirectory() + "erpctl-\(UUID().uuidString).csv"
      try """
      external_id,name,email,phone
      L-1,"شركة الواحة, فرع جدة",info@wahah.example,0501234567
      L-2,"Gulf ""Prime"" Trading",,
      L-3,,broken@example.com,
      """.write(toFile: file, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(atPath: file) }
      let erpctl = try Subprocess.builtProduct("erpctl")
      let connection = ["--address", "127.0.0.1:\(gateway.port)", "--key", key]
      let imported = try await Subprocess.run(erpctl, ["customers", "import", file] + connection)
      #expect(imported.status == 0, "\(imported.stderr)")
      #expect(imported.stdout.contains("2 created, 0 updated, 1 refused"))
      #expect(imported.stdout.contains("row 4"))
      let found = try await Subprocess.run(erpctl, ["customers", "search", "الواحة"] + connection)
      #expect(found.stdout.contains("شركة الواحة, فرع جدة"))
      let json = try await Subprocess.run(
        erpctl,
        ["customers", "search", "Prime", "--json"] + connection
      )
      #expect(json.stdout.contains("Gulf \\\"Prime\\\" Trading"))
      let refused = try await Subprocess.run(
        erpctl,
        ["dashboard", "--address", "127.0.0.1:\(gateway.port)"]
      )
      #expect(refused.status != 0)
      #expect(
        refused.stderr.contains("unauthenticated") || refused.stdout.contains("unauthenticated")
      )
    }
  }
}

import ERPProtos
import Foundation
import GRPCCore
import Testing

/// Every RPC of the domain catalog (every domain's services, TenantAdmin and the gateway's own)
/// is called by at least one test: a method added to a contract without a test fails here. A
/// call is the generated client's method (`.createCustomer(`, the name checked against the
/// generated code) or the method's full path in quotes (raw and C clients).
@Suite("Every catalog RPC has a test that calls it")
struct RPCCoverageTests {
  /// Methods no test has to call, by full path, each with the reason. Keep it empty unless a
  /// method truly cannot be called from a test; a listed method that is called fails the test.
  static let exempt: [String: String] = [:]

  /// Receivers whose method of the same name is not an RPC (`pool.listTenants()` is the store's).
  static let notClients: Set<String> = ["pool", "session", "store"]

  static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent()
  static let generated = Self.tests.deletingLastPathComponent()
    .appendingPathComponent("Shared/ERPProtos")

  static var methods: [MethodDescriptor] {
    (ERPDomain.allCases.flatMap(\.services) + ERPCatalog.shared + ERPCatalog.edge)
      .flatMap { $0.methods.map(\.descriptor) }
  }

  @Test("every method of every catalog service is called by a test (or exempt, with a reason)")
  func everyCatalogMethodIsCalled() throws {
    let sources = try Self.sources(under: Self.tests)
      .filter { !$0.path.hasSuffix("/RPCCoverageTests.swift") }
      .map { try String(contentsOf: $0, encoding: .utf8) }
      .joined(separator: "\n")
    let clients = try Self.sources(under: Self.generated)
      .map { try String(contentsOf: $0, encoding: .utf8) }
      .joined(separator: "\n")
    #expect(Self.methods.count > 100, "the catalog lists \(Self.methods.count) methods")
    var uncalled: [String] = []
    for method in Self.methods {
      let name = Self.clientMethod(method.method)
      #expect(clients.contains("public func \(name)("), "no generated \(name) for \(method)")
      let called =
        Self.calls(name, in: sources) || sources.contains("\"\(method.fullyQualifiedMethod)\"")
        || sources.contains("\"/\(method.fullyQualifiedMethod)\"")
      if let reason = Self.exempt[method.fullyQualifiedMethod] {
        #expect(!called, "\(method) is exempt (\(reason)) but a test calls it: drop the exemption")
      } else if !called {
        uncalled.append(method.fullyQualifiedMethod)
      }
    }
    #expect(uncalled == [], "catalog methods no test calls")
  }

  @Test("the check sees a call, and does not take a store function for one")
  func callDetection() {
    #expect(Self.calls("listKeys", in: "_ = try await gateway.keys.listKeys(request)"))
    #expect(Self.calls("getShipment", in: "try await shipping\n  .getShipment(ref)"))
    #expect(!Self.calls("listTenants", in: "try await pool.listTenants()"))
    #expect(!Self.calls("listKeys", in: "func listKeys(request: X)"))
    #expect(Self.clientMethod("Customer360") == "customer360")
  }

  /// The generated client's name of RPC `method` (lower camel case).
  static func clientMethod(_ method: String) -> String {
    method.prefix(1).lowercased() + method.dropFirst()
  }

  /// Whether `text` calls `.name(` on a receiver that is not a store or session.
  static func calls(_ name: String, in text: String) -> Bool {
    var rest = text[...]
    while let found = rest.range(of: ".\(name)(") {
      let before = text[..<found.lowerBound]
      let receiver = before.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }
      if !Self.notClients.contains(String(receiver.reversed())) { return true }
      rest = text[found.upperBound...]
    }
    return false
  }

  static func sources(under directory: URL) throws -> [URL] {
    let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
    return (files?.allObjects as? [URL] ?? []).filter {
      ["swift", "c", "py", "sh"].contains($0.pathExtension)
    }
  }
}

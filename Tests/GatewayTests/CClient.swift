import ERPTestSupport
import Foundation
import Testing

/// The C partner client's programs (`Clients/C`), built by its own Makefile once per test run.
/// Calls run the sanitized build (AddressSanitizer and UndefinedBehaviorSanitizer abort on any
/// finding), so every interop test also checks the C code's memory use.
enum CClient {
  private static let built = Task<Void, any Error> {
    let made = try await Subprocess.run(
      "make",
      [
        "-s", "-C", Subprocess.repositoryRoot.appendingPathComponent("Clients/C").path, "all",
        "sanitized",
      ]
    )
    guard made.status == 0 else {
      throw Subprocess.Failure(
        description: "building Clients/C failed:\n\(made.stdout)\(made.stderr)"
      )
    }
  }

  /// The path of a built program; `sanitized: false` is the build partners link.
  static func program(_ name: String, sanitized: Bool = true) async throws -> String {
    try await self.built.value
    let folder = sanitized ? ".build/c-client-sanitized" : ".build/c-client"
    return Subprocess.repositoryRoot.appendingPathComponent("\(folder)/\(name)").path
  }

  /// Runs a sanitized program to completion; a sanitizer report fails the test.
  static func run(_ name: String, _ arguments: [String]) async throws -> Subprocess.Output {
    let output = try await Subprocess.run(try await self.program(name), arguments)
    #expect(!output.stderr.contains("Sanitizer"), "\(name) \(arguments): \(output.stderr)")
    #expect(!output.stderr.contains("runtime error"), "\(name) \(arguments): \(output.stderr)")
    return output
  }

  /// `erp-partner` against the gateway on `port` with `key`.
  static func partner(
    port: Int,
    key: String,
    _ arguments: [String]
  ) async throws
    -> Subprocess.Output
  {
    try await self.run("erp-partner", ["--address", "127.0.0.1:\(port)", "--key", key] + arguments)
  }

  /// `erpt-probe` against the gateway on `port`.
  static func probe(port: Int, _ arguments: [String]) async throws -> Subprocess.Output {
    try await self.run("erpt-probe", ["127.0.0.1", "\(port)"] + arguments)
  }

  /// "key: value" lines of erp-partner's output (the last value of a repeated key).
  static func fields(_ output: Subprocess.Output) -> [String: String] {
    var fields: [String: String] = [:]
    for line in output.stdout.split(separator: "\n") {
      guard let separator = line.range(of: ": ") else { continue }
      fields[String(line[..<separator.lowerBound])] = String(line[separator.upperBound...])
    }
    return fields
  }
}

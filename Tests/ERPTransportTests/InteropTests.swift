import ERPTestSupport
import ERPTransport
import Foundation
import GRPCCore
import Testing

/// A client written in Python from `proto/transport/README.md` alone, sharing no code with ours,
/// calls a server built here.
@Suite("A client written from the wire spec alone interoperates")
struct InteropTests {
  private var script: String {
    Subprocess.repositoryRoot.appendingPathComponent("proto/transport/examples/erpt_client.py").path
  }

  @Test("the Python client completes a unary call with metadata both ways")
  func unaryFromPython() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let output = try await Subprocess.run(
      "python3",
      [
        self.script, "127.0.0.1", "\(server.port)", "/test.Echo/Get", "--message",
        "d985d8b1d8add8a8d8a7", "--meta", "x-echo-name=سارة",
      ]
    )
    #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
    let lines = output.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "status=0 message=")
    #expect(lines.contains("response=d985d8b1d8add8a8d8a7"))
    #expect(lines.filter { $0 == "meta x-echo-name=سارة" }.count == 2)
  }

  @Test("the Python client receives error statuses with their messages")
  func errorFromPython() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    // Status 3 (INVALID_ARGUMENT) followed by the message "bad field".
    let output = try await Subprocess.run(
      "python3",
      [
        self.script, "127.0.0.1", "\(server.port)", "/test.Echo/Fail", "--message",
        "03" + "626164206669656c64",
      ]
    )
    #expect(output.stdout.hasPrefix("status=3 message=bad field"))
  }

  @Test("the worked example in the spec matches the bytes on the wire")
  func workedExampleMatchesSpec() async throws {
    let server = try await Harness.startServer()
    defer { Task { await server.shutDown() } }
    let output = try await Subprocess.run(
      "python3",
      [
        self.script, "127.0.0.1", "\(server.port)", "/test.Echo/Get", "--message", "6869", "--meta",
        "x-echo-k=v", "--dump",
      ]
    )
    let spec = try String(
      contentsOf: Subprocess.repositoryRoot.appendingPathComponent("proto/transport/README.md"),
      encoding: .utf8
    )
    // Every frame the client saw, as hex, appears (spacing aside) in the spec's section 6.
    let section = spec.components(separatedBy: "## 6.")[1].components(separatedBy: "## 7.")[0]
    let specHex = section.split(separator: "\n").map { line -> String in
      let tokens = line.split(separator: " ").map(String.init)
      return tokens.prefix { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }.joined()
    }.joined()
    for line in output.stderr.split(separator: "\n") {
      let hex = line.split(separator: " ").dropFirst().joined()
      #expect(specHex.contains(hex), "frame \(line) is not in the spec's worked example")
    }
  }
}

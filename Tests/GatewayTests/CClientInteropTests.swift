import ERPProtos
import ERPTestSupport
import Foundation
import GRPCCore
import Testing

/// A partner written in C, on libprotobuf-c and `Clients/C` (written from the wire spec, sharing
/// no code with the Swift transport), against the gateway in front of real services.
@Suite("The C partner client against the gateway")
struct CClientInteropTests {
  @Test("creates a customer with an Arabic name, reads it back, and reads its customer 360")
  func customerRoundTrip() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwcc")
      let key = try await gateway.key(tenant, scopes: ["customers:write", "finance:read"]).secret
      let name = "شركة الرياض للتمور والقهوة"
      let created = try await CClient.partner(
        port: gateway.port,
        key: key,
        ["create-customer", name, "sales@tumoor.example"]
      )
      #expect(created.status == 0, "\(created.stderr)")
      let id = try #require(CClient.fields(created)["id"])
      #expect(CClient.fields(created)["name"] == name)

      // The bytes the C client sent are the name the Swift side stores and returns.
      let stored = try await gateway.getCustomer(key, id)
      #expect(stored.name == name)
      #expect(stored.emails == ["sales@tumoor.example"])

      let read = try await CClient.partner(port: gateway.port, key: key, ["get-customer", id])
      #expect(read.status == 0, "\(read.stderr)")
      #expect(CClient.fields(read)["name"] == name)
      #expect(CClient.fields(read)["email"] == "sales@tumoor.example")

      var contact = Erp_Customers_V1_AddContactRequest()
      contact.requestID = "contact-1"
      contact.contact.customerID = id
      contact.contact.name = "م. خالد العتيبي"
      _ = try await Erp_Customers_V1_Interactions.Client(wrapping: gateway.client)
        .addContact(contact, metadata: GatewayHarness.partner(key))

      let view = try await CClient.partner(port: gateway.port, key: key, ["customer360", id])
      #expect(view.status == 0, "\(view.stderr)")
      let fields = CClient.fields(view)
      #expect(fields["name"] == name)
      #expect(fields["contacts"] == "1")
      #expect(fields["section profile"] == "available")
      #expect(fields["section contacts"] == "available")
      // The key has no sales scope: that section is marked, the view still answers.
      #expect(fields["section recent_orders"]?.hasPrefix("permission_denied") == true)
    }
  }

  @Test("gets the right status codes: bad key, no key, wrong scope, unknown method, oversized")
  func statusCodes() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwcs")
      let key = try await gateway.key(tenant).secret
      let port = gateway.port

      let badKey = try await CClient.partner(
        port: port,
        key: "erp_not-a-key",
        ["get-customer", "C-000001"]
      )
      #expect(badKey.status == 2)
      #expect(badKey.stderr.hasPrefix("error: UNAUTHENTICATED:"), "\(badKey.stderr)")

      let get = "/erp.customers.v1.Customers/GetCustomer"
      let noKey = try await CClient.probe(port: port, ["call", get])
      #expect(noKey.stdout.hasPrefix("status=16 name=UNAUTHENTICATED"), "\(noKey.stdout)")

      let readOnly = try await gateway.key(tenant, scopes: ["customers:read"]).secret
      let refused = try await CClient.partner(
        port: port,
        key: readOnly,
        ["create-customer", "مؤسسة للقراءة فقط"]
      )
      #expect(refused.stderr.hasPrefix("error: PERMISSION_DENIED:"), "\(refused.stderr)")

      for path in [
        "/erp.customers.v1.Customers/NoSuchMethod", "/erp.nothing.v1.Nothing/Get", "not-a-path",
      ] {
        let unknown = try await CClient.probe(port: port, ["call", path, key])
        #expect(
          unknown.stdout.hasPrefix("status=12 name=UNIMPLEMENTED"),
          "\(path): \(unknown.stdout)"
        )
      }

      // 4 MiB is the gateway's MAX_MESSAGE_SIZE; this request is a little larger.
      let oversized = try await CClient.probe(port: port, ["oversized", key, "4194400"])
      let lines = oversized.stdout.split(separator: "\n").map(String.init)
      #expect(lines.count == 3, "\(oversized.stdout)\(oversized.stderr)")
      // Checked by the client against the server's SETTINGS before sending…
      #expect(lines.first?.hasPrefix("local status=8 name=RESOURCE_EXHAUSTED") == true)
      #expect(lines.first?.contains("4194304") == true)
      // …and, sent anyway, refused by the gateway for that stream only…
      #expect(lines.dropFirst().first?.hasPrefix("server status=8 name=RESOURCE_EXHAUSTED") == true)
      // …so the same connection goes on serving.
      #expect(lines.last?.hasPrefix("after status=5 name=NOT_FOUND") == true)
    }
  }

  @Test("a client whose gateway restarted between calls makes its next call on a new connection")
  func reconnectsAfterRestart() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwcr")
      let key = try await gateway.key(tenant).secret
      let replica = try await gateway.replica()
      let signal = NSTemporaryDirectory() + "erpt-probe-\(UUID().uuidString)"
      defer { try? FileManager.default.removeItem(atPath: signal) }
      let probe = try await RunningProcess(
        try await CClient.program("erpt-probe"),
        ["127.0.0.1", "\(replica.port)", "reconnect", key, signal],
        environment: ProcessInfo.processInfo.environment
      )
      try await probe.waitFor("first ", timeout: .seconds(30))
      // A graceful stop: GOAWAY and a drain PING the idle client does not read, then the close.
      await replica.stop()
      try await replica.start()
      FileManager.default.createFile(atPath: signal, contents: nil)
      let status = try await probe.waitForExit()
      await replica.stop()
      #expect(status == 0, "\(probe.output)")
      let lines = probe.output.split(separator: "\n")
      #expect(lines.first?.hasPrefix("first status=5 name=NOT_FOUND") == true, "\(probe.output)")
      #expect(
        lines.dropFirst().first?.hasPrefix("second status=5 name=NOT_FOUND") == true,
        "\(probe.output)"
      )
      #expect(!probe.output.contains("Sanitizer"), "\(probe.output)")
    }
  }

  /// What the server must do with each case `erpt-probe` writes: GOAWAY code and a word of its
  /// reason (then close), or nil for cases that are ignored (proto/transport/README.md §5).
  private static let refusals: [String: (code: String, reason: String)?] = [
    "wrong-magic": ("1", "preface"),
    "wrong-version": ("3", "version 9"),
    "random-bytes": ("1", "preface"),
    "headers-before-settings": ("1", "SETTINGS"),
    "settings-length-not-multiple-of-6": ("1", "multiple of 6"),
    "settings-frame-size-below-1024": ("1", "below 1024"),
    "length-over-limit": ("2", "exceeds the limit"),
    "message-chunk-over-max-frame-size": ("2", "16385"),
    "stream-never-opened": ("1", "never opened"),
    "even-stream-id": ("1", "even"),
    "reused-stream-id": ("1", "reused"),
    "truncated-metadata": ("1", "truncated"),
    "message-on-stream-0": ("1", "stream 0"),
    "ping-on-a-stream": ("1", "stream 0"),
    "ping-of-4-bytes": ("1", "8 bytes"),
    "half-close-mid-message": ("1", "middle of a message"),
    "message-after-half-close": ("1", "half-closed"),
    "window-update-of-zero": ("1", "non-zero"),
    "unknown-frame-type": nil,
    "frame-for-ended-stream": nil,
    "truncated-header-then-close": nil,
  ]

  @Test("the transport's malformed-frame cases, written from C, get the specified answers")
  func malformedFrames() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwcm")
      let key = try await gateway.key(tenant).secret
      let output = try await CClient.probe(port: gateway.port, ["malformed", key])
      #expect(output.status == 0, "\(output.stderr)")
      var seen: [String: [String: String]] = [:]
      for line in output.stdout.split(separator: "\n") {
        let parts = line.components(separatedBy: " reason=")
        var fields = Dictionary(
          parts[0].split(separator: " ").compactMap { pair -> (String, String)? in
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            return kv.count == 2 ? (kv[0], kv[1]) : nil
          },
          uniquingKeysWith: { $1 }
        )
        fields["reason"] = parts.dropFirst().joined(separator: " reason=")
        seen[fields["case"] ?? "?"] = fields
      }
      #expect(Set(seen.keys) == Set(Self.refusals.keys), "\(output.stdout)")
      for (name, refusal) in Self.refusals {
        guard let fields = seen[name] else { continue }
        // Whatever happened to that connection, the gateway still serves a new one: a call with
        // the key for a customer that does not exist is NOT_FOUND (5).
        #expect(fields["serving"] == "5", "\(name): \(fields)")
        if let refusal {
          #expect(fields["goaway"] == refusal.code, "\(name): \(fields)")
          #expect(fields["reason"]?.contains(refusal.reason) == true, "\(name): \(fields)")
          #expect(fields["closed"] == "1", "\(name): \(fields)")
        } else {
          #expect(fields["goaway"] == "none", "\(name): \(fields)")
        }
      }
      // Ignored frames leave the connection working: the PING sent after them is answered.
      #expect(seen["unknown-frame-type"]?["ping_ack"] == "1")
      #expect(seen["frame-for-ended-stream"]?["ping_ack"] == "1")
      #expect(seen["frame-for-ended-stream"]?["trailers"] == "5")  // its call: NOT_FOUND
      #expect(seen["truncated-header-then-close"]?["closed"] == "1")
    }
  }

  @Test("the C client's programs need only libc and libprotobuf-c")
  func dependencies() async throws {
    for program in ["erp-partner", "erpt-probe"] {
      let path = try await CClient.program(program, sanitized: false)
      let linked = try await Subprocess.run("ldd", [path])
      #expect(linked.status == 0, "\(linked.stderr)")
      let libraries = Set(
        linked.stdout.split(separator: "\n").compactMap { line in
          line.split(separator: " ").first.map { String($0.trimmingCharacters(in: .whitespaces)) }
        }.filter { !$0.hasPrefix("linux-vdso") && !$0.contains("ld-linux") }
      )
      #expect(libraries == ["libprotobuf-c.so.1", "libc.so.6"], "\(program): \(linked.stdout)")
    }
  }
}

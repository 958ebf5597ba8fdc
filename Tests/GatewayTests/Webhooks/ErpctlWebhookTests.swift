import ERPProtos
import ERPTestSupport
import Foundation
import Testing

@Suite("erpctl webhooks against a running gateway")
struct ErpctlWebhookTests {
  @Test("create (secret shown once), list, test, deliveries, redeliver, delete")
  func lifecycle() async throws {
    try await WebhookReceiver.run { receiver in
      try await GatewayHarness.withWebhooks { gateway in
        let (_, key) = try await gateway.webhookTenant("whctl")
        let erpctl = try Subprocess.builtProduct("erpctl")
        let connection = ["--address", "127.0.0.1:\(gateway.port)", "--key", key]
        func run(_ arguments: [String]) async throws -> String {
          let result = try await Subprocess.run(erpctl, ["webhooks"] + arguments + connection)
          #expect(result.status == 0, "\(arguments): \(result.stderr)")
          return result.stdout
        }
        let created = try await run([
          "create", receiver.url("/ctl"), "--event", "customer.created", "--event",
          "order.shipped",
        ])
        let secret = try #require(
          created.split(separator: "\n").first { $0.hasPrefix("signing secret") }?
            .split(separator: " ").last.map(String.init)
        )
        #expect(secret.hasPrefix("whsec_"))
        let id = try #require(
          created.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("whsub_") }
            .map(String.init)
        )
        #expect(try await run(["list"]).contains("customer.created,order.shipped"))
        #expect(try await run(["test", id]).contains("webhook.test"))
        try await eventually("the test event arrives") { receiver.received(at: "/ctl").count == 1 }
        #expect(receiver.received(at: "/ctl")[0].signed(with: secret))
        let deliveries = try await run(["deliveries", id])
        #expect(deliveries.contains("#1 200"))
        let delivery = try #require(
          deliveries.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("whdel_") }
            .map(String.init)
        )
        _ = try await run(["redeliver", delivery])
        try await eventually("the redelivery arrives") { receiver.received(at: "/ctl").count == 2 }
        #expect(Set(receiver.received(at: "/ctl").map(\.id)).count == 1)
        #expect(try await run(["delete", id]).contains("deleted \(id)"))
        #expect(!(try await run(["list"]).contains(id)))
      }
    }
  }
}

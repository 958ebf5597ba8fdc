import Foundation
import Testing

@testable import Gateway

/// The delivery decisions and the back-off schedule, as pure values.
@Suite("Webhooks: back-off and delivery decisions")
struct WebhookBackoffTests {
  let backoff = WebhookBackoff()

  @Test("2xx delivers; 410 gives up at once; other answers and no answer are retried")
  func decisions() {
    for status in [200, 201, 204, 299] {
      #expect(
        self.backoff.decide(.answered(status: status), failures: 1, failingFor: .zero, random: 0.5)
          == .delivered
      )
    }
    #expect(
      self.backoff.decide(.answered(status: 410), failures: 1, failingFor: .zero, random: 0.5)
        == .failed(reason: "the endpoint answered 410 Gone")
    )
    for outcome in [
      WebhookBackoff.Outcome.answered(status: 500), .answered(status: 301), .noAnswer,
    ] {
      #expect(
        self.backoff.decide(outcome, failures: 1, failingFor: .zero, random: 0.5)
          == .retry(after: .seconds(5))
      )
    }
  }

  @Test("exponential from 5 s, capped at 6 h, jittered by at most 20 %")
  func schedule() {
    let waits = (1...16).map { self.backoff.delay(afterFailures: $0, random: 0.5) }
    #expect(waits.prefix(4) == [.seconds(5), .seconds(10), .seconds(20), .seconds(40)])
    #expect(waits[12] == .seconds(20_480))
    #expect(waits[13...].allSatisfy { $0 == .seconds(6 * 3600) })
    #expect(self.backoff.delay(afterFailures: 1, random: 0) == .seconds(4))
    #expect(self.backoff.delay(afterFailures: 1, random: 0.999_999) <= .seconds(6))
    // Over 3 days: every attempt planned before the give-up instant, about 24 in all.
    var elapsed = Duration.zero
    var attempts = 1
    while case .retry(let after) = self.backoff.decide(
      .noAnswer,
      failures: attempts,
      failingFor: elapsed,
      random: 0.5
    ) {
      elapsed += after
      attempts += 1
    }
    #expect(elapsed == .seconds(3 * 24 * 3600))
    #expect((20...26).contains(attempts), "\(attempts) attempts")
  }

  @Test("after 3 days of failures: given up, and the reason says so")
  func givesUp() {
    #expect(
      self.backoff.decide(.noAnswer, failures: 30, failingFor: .seconds(3 * 86_400), random: 0.5)
        == .failed(reason: "deliveries failed for 3 days")
    )
    // Close to the limit, the last retry is planned at the limit, not beyond it.
    #expect(
      self.backoff.decide(.noAnswer, failures: 30, failingFor: .seconds(3 * 86_400 - 60), random: 1)
        == .retry(after: .seconds(60))
    )
  }

  @Test("the signature is Standard Webhooks' test vector")
  func standardWebhooksVector() throws {
    // From the Standard Webhooks specification's reference libraries.
    let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
    let signature = secret.signature(
      id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      timestamp: 1_614_265_330,
      body: #"{"test": 2432232314}"#
    )
    #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
  }

  @Test("sealed secrets open with the same services' secret only, for their subscription only")
  func sealing() throws {
    let secret = WebhookSecret.random()
    let sealing = WebhookSealing(serviceSecret: "one")
    let sealed = try sealing.seal(secret, subscription: "whsub_1")
    #expect(try sealing.open(sealed, subscription: "whsub_1") == secret)
    #expect(throws: (any Error).self) { try sealing.open(sealed, subscription: "whsub_2") }
    #expect(throws: (any Error).self) {
      try WebhookSealing(serviceSecret: "two").open(sealed, subscription: "whsub_1")
    }
    #expect(!sealed.contains(secret.text.dropFirst(6)))
  }

  @Test("an answer's excerpt is at most 1024 bytes of valid text")
  func excerpt() {
    let arabic = Array(String(repeating: "ع", count: 700).utf8)  // 1400 bytes
    let cut = WebhookSender.excerpt(Array(arabic.prefix(1024)))
    #expect(cut.utf8.count <= 1024)
    #expect(cut.allSatisfy { $0 == "ع" })
    #expect(WebhookSender.excerpt([0x61, 0x00, 0x62, 0xFF]) == "ab\u{FFFD}")
  }
}

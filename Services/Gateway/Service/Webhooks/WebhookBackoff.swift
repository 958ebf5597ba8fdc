/// What happens to a delivery after an attempt, as a pure value (the dispatcher applies it):
///
/// - answered 2xx: delivered.
/// - answered 410 Gone: failed, and the subscription is disabled (the endpoint says it is gone).
/// - any other answer, or none (refused, timed out): retried after an exponential back-off with
///   jitter, `base · 2^(failures − 1)` capped at `cap`, times a random factor in
///   `1 ± jitter`; once the failures have lasted `giveUpAfter` (3 days), failed and the
///   subscription disabled. The last retry is planned no later than that instant.
///
/// With the defaults (5 s, doubling, capped at 6 h, ±20 %), the attempts come at about 0, 5 s,
/// 15 s, 35 s, 75 s, 2.6 min, 5.3 min, 11 min, 21 min, 43 min, 1.4 h, 2.8 h, 5.7 h, then every
/// 6 h until 72 h: 24 attempts over 3 days.
struct WebhookBackoff: Sendable, Equatable {
  var base: Duration = .seconds(5)
  var cap: Duration = .seconds(6 * 3600)
  var giveUpAfter: Duration = .seconds(3 * 24 * 3600)
  var jitter: Double = 0.2

  enum Outcome: Sendable, Equatable {
    case answered(status: Int)
    case noAnswer
  }

  enum Decision: Sendable, Equatable {
    case delivered
    case retry(after: Duration)
    /// Given up; the subscription is disabled with `reason`.
    case failed(reason: String)
  }

  static let gone = "the endpoint answered 410 Gone"
  var expired: String { "deliveries failed for \(Self.describe(self.giveUpAfter))" }

  /// The wait after the `failures`-th failure in a row (1 for the first), `random` in [0, 1).
  func delay(afterFailures failures: Int, random: Double) -> Duration {
    let exponent = min(max(failures - 1, 0), 30)
    let planned = min(self.base * (1 << exponent), self.cap)
    let factor = 1 + self.jitter * (2 * random - 1)
    return .milliseconds(Int64((Double(Self.milliseconds(planned)) * factor).rounded()))
  }

  /// The decision after an attempt with `outcome`, the `failures`-th failure in a row if it
  /// failed, failures having lasted `failingFor` before it (zero for the first).
  func decide(
    _ outcome: Outcome,
    failures: Int,
    failingFor: Duration,
    random: Double
  ) -> Decision {
    if case .answered(let status) = outcome {
      if (200..<300).contains(status) { return .delivered }
      if status == 410 { return .failed(reason: Self.gone) }
    }
    guard failingFor < self.giveUpAfter else { return .failed(reason: self.expired) }
    let left = self.giveUpAfter - failingFor
    return .retry(after: min(self.delay(afterFailures: failures, random: random), left))
  }

  static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }

  static func describe(_ duration: Duration) -> String {
    let seconds = duration.components.seconds
    if seconds % 86_400 == 0 { return "\(seconds / 86_400) days" }
    if seconds % 3600 == 0 { return "\(seconds / 3600) hours" }
    if seconds >= 1 { return "\(seconds) seconds" }
    return "\(Self.milliseconds(duration)) ms"
  }
}

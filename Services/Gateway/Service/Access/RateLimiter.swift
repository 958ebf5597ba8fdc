import NIOConcurrencyHelpers

/// One token bucket per key, in this gateway's memory: `rate` tokens a second up to `burst`;
/// a call takes one. When none is left the answer says how long until one is. At most
/// `maximumBuckets` are kept (the keys may be addresses a caller chooses): at the bound, buckets
/// idle for a minute are forgotten (full again at any rate of a token a minute or more, and a new
/// bucket starts full), and if none is, all are.
final class RateLimiter: Sendable {
  private struct Bucket {
    var tokens: Double
    var updated: ContinuousClock.Instant
  }

  private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
  let maximumBuckets: Int

  init(maximumBuckets: Int = 100_000) {
    self.maximumBuckets = maximumBuckets
  }

  /// nil when the call may go ahead; otherwise the wait before the next token.
  func take(_ key: String, rate: Int, burst: Int, now: ContinuousClock.Instant = .now) -> Duration?
  {
    self.settle(key, rate: rate, burst: burst, taking: true, now: now).wait
  }

  /// Like ``take(_:rate:burst:now:)``, also telling the whole tokens left after it: what the
  /// answer's `x-ratelimit-remaining` says.
  func taking(
    _ key: String,
    rate: Int,
    burst: Int,
    now: ContinuousClock.Instant = .now
  ) -> (wait: Duration?, remaining: Int) {
    let settled = self.settle(key, rate: rate, burst: burst, taking: true, now: now)
    return (settled.wait, max(0, Int(settled.tokens.rounded(.down))))
  }

  /// Like ``take(_:rate:burst:now:)`` without taking: whether a token is there.
  func wait(_ key: String, rate: Int, burst: Int, now: ContinuousClock.Instant = .now) -> Duration?
  {
    self.settle(key, rate: rate, burst: burst, taking: false, now: now).wait
  }

  private func settle(
    _ key: String,
    rate: Int,
    burst: Int,
    taking: Bool,
    now: ContinuousClock.Instant
  ) -> (wait: Duration?, tokens: Double) {
    self.buckets.withLockedValue { buckets in
      guard var bucket = buckets[key] else {
        if !taking { return (nil, Double(burst)) }
        if buckets.count >= self.maximumBuckets { Self.makeRoom(&buckets, now: now) }
        buckets[key] = Bucket(tokens: Double(burst) - 1, updated: now)
        return (
          burst >= 1 ? nil : Self.wait(tokens: Double(burst), rate: rate), Double(burst) - 1
        )
      }
      let elapsed = bucket.updated.duration(to: now)
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      bucket.tokens = min(Double(burst), bucket.tokens + seconds * Double(rate))
      bucket.updated = now
      defer { buckets[key] = bucket }
      if bucket.tokens >= 1 {
        if taking { bucket.tokens -= 1 }
        return (nil, bucket.tokens)
      }
      return (Self.wait(tokens: bucket.tokens, rate: rate), bucket.tokens)
    }
  }

  private static func wait(tokens: Double, rate: Int) -> Duration {
    .milliseconds(Int64(((1 - tokens) / Double(max(rate, 1)) * 1000).rounded(.up)))
  }

  /// Forgets the buckets idle for a minute; all of them if none is.
  private static func makeRoom(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
    let before = buckets.count
    buckets = buckets.filter { $0.value.updated.duration(to: now) < .seconds(60) }
    if buckets.count == before { buckets.removeAll() }
  }
}

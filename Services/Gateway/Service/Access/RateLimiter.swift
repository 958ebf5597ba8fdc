import NIOConcurrencyHelpers

/// One token bucket per key, in this gateway's memory: `rate` tokens a second up to `burst`;
/// a call takes one. When none is left the answer says how long until one is.
final class RateLimiter: Sendable {
  private struct Bucket {
    var tokens: Double
    var updated: ContinuousClock.Instant
  }

  private let buckets = NIOLockedValueBox<[String: Bucket]>([:])

  /// nil when the call may go ahead; otherwise the wait before the next token.
  func take(_ key: String, rate: Int, burst: Int, now: ContinuousClock.Instant = .now) -> Duration?
  {
    self.buckets.withLockedValue { buckets in
      var bucket = buckets[key] ?? Bucket(tokens: Double(burst), updated: now)
      let elapsed = bucket.updated.duration(to: now)
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      bucket.tokens = min(Double(burst), bucket.tokens + seconds * Double(rate))
      bucket.updated = now
      defer { buckets[key] = bucket }
      if bucket.tokens >= 1 {
        bucket.tokens -= 1
        return nil
      }
      return .milliseconds(Int64(((1 - bucket.tokens) / Double(rate) * 1000).rounded(.up)))
    }
  }
}

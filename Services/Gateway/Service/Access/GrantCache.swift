import ERPStore
import NIOConcurrencyHelpers

/// What keys are allowed, remembered for a moment so that a partner's calls do not each cost a
/// database round trip. Keyed by the key's SHA-256 digest (``ApiKeyDigest``), never by the
/// secret itself. A revocation or suspension made through this gateway takes effect at once (it
/// clears the cache); one made through another replica within `ttl` (2 s).
///
/// Unknown keys are remembered too (negative entries), in a table of their own with a bound of
/// their own: a flood of guessed keys evicts only other guesses, never the grants of real
/// partners. One per process: the admin APIs clear the cache the access check reads.
final class GrantCache: Sendable {
  static let shared = GrantCache()

  private struct Entry<Value: Sendable>: Sendable {
    var value: Value
    var until: ContinuousClock.Instant
  }

  private struct Tables: Sendable {
    var known: [ApiKeyDigest: Entry<ApiKeyStore.Grant>] = [:]
    var unknown: [ApiKeyDigest: Entry<Void>] = [:]
  }

  private let tables = NIOLockedValueBox(Tables())
  let ttl: Duration
  let maximumKnown: Int
  let maximumUnknown: Int

  init(ttl: Duration = .seconds(2), maximumKnown: Int = 10_000, maximumUnknown: Int = 4_096) {
    self.ttl = ttl
    self.maximumKnown = maximumKnown
    self.maximumUnknown = maximumUnknown
  }

  /// The cached answer for `digest` (nil inside: a key known not to exist), or nil when there
  /// is none.
  private func cached(_ digest: ApiKeyDigest, now: ContinuousClock.Instant) -> ApiKeyStore.Grant?? {
    self.tables.withLockedValue { tables in
      if let entry = tables.known[digest], entry.until > now { return .some(entry.value) }
      if let entry = tables.unknown[digest], entry.until > now { return .some(nil) }
      return nil
    }
  }

  func grant(
    _ digest: ApiKeyDigest,
    load: () async throws -> ApiKeyStore.Grant?
  ) async throws -> ApiKeyStore.Grant? {
    let now = ContinuousClock.now
    if let cached = self.cached(digest, now: now) { return cached }
    let grant = try await load()
    self.tables.withLockedValue { tables in
      let until = now + self.ttl
      if let grant {
        Self.makeRoom(in: &tables.known, maximum: self.maximumKnown, now: now)
        tables.known[digest] = Entry(value: grant, until: until)
      } else {
        Self.makeRoom(in: &tables.unknown, maximum: self.maximumUnknown, now: now)
        tables.unknown[digest] = Entry(value: (), until: until)
      }
    }
    return grant
  }

  /// At the bound, drops what expired; if that frees nothing, the whole table (it is full of
  /// live entries, and a cache may forget).
  private static func makeRoom<Value: Sendable>(
    in table: inout [ApiKeyDigest: Entry<Value>],
    maximum: Int,
    now: ContinuousClock.Instant
  ) {
    guard table.count >= maximum else { return }
    table = table.filter { $0.value.until > now }
    if table.count >= maximum { table.removeAll() }
  }

  func clear() {
    self.tables.withLockedValue { $0 = Tables() }
  }
}

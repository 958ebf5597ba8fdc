import ERPStore
import NIOConcurrencyHelpers

/// What keys are allowed, remembered for a moment so that a partner's calls do not each cost a
/// database round trip. A revocation or suspension made through this gateway takes effect at
/// once (it clears the cache); one made through another replica within `ttl` (2 s).
/// One per process: the admin APIs clear the cache the access check reads.
final class GrantCache: Sendable {
  static let shared = GrantCache()

  private struct Entry {
    var grant: ApiKeyStore.Grant?
    var until: ContinuousClock.Instant
  }

  private let entries = NIOLockedValueBox<[String: Entry]>([:])
  let ttl: Duration

  init(ttl: Duration = .seconds(2)) {
    self.ttl = ttl
  }

  func grant(
    _ secret: String,
    load: () async throws -> ApiKeyStore.Grant?
  ) async throws -> ApiKeyStore.Grant? {
    let now = ContinuousClock.now
    if let entry = self.entries.withLockedValue({ $0[secret] }), entry.until > now {
      return entry.grant
    }
    let grant = try await load()
    self.entries.withLockedValue { entries in
      if entries.count > 10_000 { entries.removeAll() }
      entries[secret] = Entry(grant: grant, until: now + self.ttl)
    }
    return grant
  }

  func clear() {
    self.entries.withLockedValue { $0.removeAll() }
  }
}

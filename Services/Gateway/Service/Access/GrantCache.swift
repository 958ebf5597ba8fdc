import ERPStore
import Foundation
import NIOConcurrencyHelpers

/// What keys are allowed, remembered for a moment so that a partner's calls do not each cost a
/// database round trip. Keyed by the key's SHA-256 digest (``ApiKeyDigest``), never by the
/// secret itself. A revocation or suspension made through this gateway takes effect at once (it
/// clears the cache); one made through another replica within `ttl` (2 s).
///
/// Unknown keys are remembered too (negative entries), in a table of their own with a bound of
/// their own: a flood of guessed keys evicts only other guesses, never the grants of real
/// partners. One per process: the admin APIs clear the cache the access check reads.
///
/// Staff sessions (``StaffSessions/Principal``, by the token's digest) are remembered the same
/// way, in a third table: the identity calls that end a session or change what it allows (sign
/// out, revoke, deactivate, roles, passwords) forget them all at once, so on this gateway they
/// hold at the next call, and within `ttl` on another replica, as for keys. Unknown session
/// tokens are not remembered: each is a failed authentication, which the address's bucket
/// throttles.
final class GrantCache: Sendable {
  static let shared = GrantCache()

  private struct Entry<Value: Sendable>: Sendable {
    var value: Value
    var until: ContinuousClock.Instant
  }

  private struct Tables: Sendable {
    var known: [ApiKeyDigest: Entry<ApiKeyStore.Grant>] = [:]
    var unknown: [ApiKeyDigest: Entry<Void>] = [:]
    var sessions: [ApiKeyDigest: Entry<StaffSessions.Principal>] = [:]
    /// Counts `forgetSessions` calls: a session read from the database before one is not
    /// remembered after it (it may predate the revocation that call followed).
    var sessionGeneration = 0
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

  /// The staff session `digest` names, from the cache or `load` (remembered when found).
  func session(
    _ digest: ApiKeyDigest,
    load: () async throws -> StaffSessions.Principal?
  ) async throws -> StaffSessions.Principal? {
    let now = ContinuousClock.now
    let (cached, generation) = self.tables.withLockedValue { tables in
      (
        tables.sessions[digest].flatMap { $0.until > now ? $0.value : nil },
        tables.sessionGeneration
      )
    }
    if let cached { return cached }
    guard let principal = try await load() else { return nil }
    self.tables.withLockedValue { tables in
      guard tables.sessionGeneration == generation else { return }
      Self.makeRoom(in: &tables.sessions, maximum: self.maximumKnown, now: now)
      tables.sessions[digest] = Entry(value: principal, until: now + self.ttl)
    }
    return principal
  }

  /// The session's last use was recorded at `time`: the remembered copy says so too, so the
  /// calls within its `ttl` do not record it again.
  func sessionSeen(_ digest: ApiKeyDigest, at time: Date) {
    self.tables.withLockedValue { $0.sessions[digest]?.value.lastSeen = time }
  }

  /// Forgets every remembered session (an identity call ended one or changed what it allows).
  func forgetSessions() {
    self.tables.withLockedValue { tables in
      tables.sessions.removeAll()
      tables.sessionGeneration += 1
    }
  }

  func clear() {
    self.tables.withLockedValue { $0 = Tables() }
  }
}

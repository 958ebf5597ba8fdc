import ERPRuntime
import ERPStore
import NIOConcurrencyHelpers

/// The tenants with order steps to resume (an order confirming or cancelling, a shipment the
/// supply chain has not answered), and when. The handlers add a tenant when a step stops half
/// way; the recovery worker takes the due ones and puts back those it could not finish, with a
/// back-off per tenant (250 ms doubling to 5 s: bounded, so a peer coming back is noticed
/// within seconds, and a tenant whose peer is down costs a query every few seconds).
final class RecoveryQueue: Sendable {
  static let firstBackoff: Duration = .milliseconds(250)
  static let maximumBackoff: Duration = .seconds(5)

  private struct Entry {
    var due: ContinuousClock.Instant
    var backoff: Duration
  }

  private let entries = NIOLockedValueBox<[TenantID: Entry]>([:])
  /// How many steps of this process drive each order now (two shipments of one order may run
  /// at once), by "tenant/order".
  private let driven = NIOLockedValueBox<[String: Int]>([:])
  let wakeups = Wakeups()

  /// Runs `body`, one step of `order`, noting that this process drives the order meanwhile, so
  /// the worker leaves it to the handler instead of running the same step beside it.
  func driving<T: Sendable>(
    _ tenant: TenantID,
    _ order: String,
    _ body: () async throws -> T
  ) async rethrows -> T {
    let key = Self.key(tenant, order)
    self.driven.withLockedValue { $0[key, default: 0] += 1 }
    defer { self.release(key) }
    return try await body()
  }

  /// The worker's side of ``driving(_:_:_:)``: runs `body` unless a handler drives the order
  /// now, deciding and noting under one lock, so no handler can start between the two. False
  /// when the order was left to its handler (the worker looks again later).
  func drivingIfIdle(
    _ tenant: TenantID,
    _ order: String,
    _ body: () async throws -> Void
  ) async rethrows -> Bool {
    let key = Self.key(tenant, order)
    let idle = self.driven.withLockedValue { driven in
      guard driven[key] == nil else { return false }
      driven[key] = 1
      return true
    }
    guard idle else { return false }
    defer { self.release(key) }
    try await body()
    return true
  }

  private func release(_ key: String) {
    self.driven.withLockedValue { driven in
      let left = driven[key, default: 1] - 1
      driven[key] = left > 0 ? left : nil
    }
  }

  private static func key(_ tenant: TenantID, _ order: String) -> String {
    tenant.slug + "/" + order
  }

  /// Resume the tenant now, its back-off reset: something waits for it (a CancelOrder), or the
  /// service just started.
  func soon(_ tenant: TenantID) {
    self.entries.withLockedValue { $0[tenant] = Entry(due: .now, backoff: Self.firstBackoff) }
    self.wakeups.poke()
  }

  /// A step of the tenant stopped half way: resume it after the first back-off, unless it is
  /// planned already.
  func later(_ tenant: TenantID) {
    self.entries.withLockedValue { entries in
      if entries[tenant] == nil {
        entries[tenant] = Entry(due: .now + Self.firstBackoff, backoff: Self.firstBackoff)
      }
    }
    self.wakeups.poke()
  }

  /// A resumption taken with `backoff` did not finish: try again after it, doubled next time.
  /// A tenant planned again meanwhile keeps the earlier plan.
  func retry(_ tenant: TenantID, after backoff: Duration) {
    let entry = Entry(due: .now + backoff, backoff: min(backoff * 2, Self.maximumBackoff))
    self.entries.withLockedValue { entries in
      if let planned = entries[tenant], planned.due <= entry.due { return }
      entries[tenant] = entry
    }
    self.wakeups.poke()
  }

  /// Takes the tenants due now, each with the back-off it was planned with.
  func takeDue() -> [(tenant: TenantID, backoff: Duration)] {
    let now = ContinuousClock.now
    return self.entries.withLockedValue { entries in
      let due = entries.filter { $0.value.due <= now }
      for tenant in due.keys { entries[tenant] = nil }
      return due.map { ($0.key, $0.value.backoff) }
    }
  }

  var earliest: ContinuousClock.Instant? {
    self.entries.withLockedValue { $0.values.map(\.due).min() }
  }
}

import Foundation
import NIOConcurrencyHelpers

/// The staff accounts' settings, from the gateway's environment: bcrypt's cost
/// (`ERP_BCRYPT_COST`, 12; tests use 4), the sign-in lockout (`ERP_SIGNIN_MAX_FAILURES` failures,
/// 5, lock the email for `ERP_SIGNIN_LOCK_MINUTES`, 15), sessions' idle and absolute expiry
/// (`ERP_SESSION_IDLE_MINUTES`, 60; `ERP_SESSION_MAX_HOURS`, 12), and how long invitations
/// (`ERP_INVITATION_HOURS`, 72) and reset tokens (`ERP_RESET_MINUTES`, 60) last, and how fast
/// one user's calls may come (`ERP_SESSION_RATE` a second, 50, bursts of `ERP_SESSION_BURST`,
/// 100: a token bucket per user, as a key has).
struct IdentitySettings: Sendable {
  var bcryptCost: UInt8 = 12
  var maxFailures = 5
  var lockout: TimeInterval = 15 * 60
  var sessionIdle: TimeInterval = 60 * 60
  var sessionMaximum: TimeInterval = 12 * 3600
  var invitationLifetime: TimeInterval = 72 * 3600
  var resetLifetime: TimeInterval = 60 * 60
  var userRate = 50
  var userBurst = 100
  var clock: IdentityClock = .shared

  init() {}

  init(_ variables: [String: String]) {
    func number(_ name: String, _ range: ClosedRange<Int>) -> Int? {
      variables[name].flatMap(Int.init).flatMap { range.contains($0) ? $0 : nil }
    }
    if let cost = number("ERP_BCRYPT_COST", 4...31) { self.bcryptCost = UInt8(cost) }
    if let failures = number("ERP_SIGNIN_MAX_FAILURES", 2...1000) { self.maxFailures = failures }
    if let minutes = number("ERP_SIGNIN_LOCK_MINUTES", 1...10_080) {
      self.lockout = TimeInterval(minutes * 60)
    }
    if let minutes = number("ERP_SESSION_IDLE_MINUTES", 1...525_600) {
      self.sessionIdle = TimeInterval(minutes * 60)
    }
    if let hours = number("ERP_SESSION_MAX_HOURS", 1...8_760) {
      self.sessionMaximum = TimeInterval(hours * 3600)
    }
    if let hours = number("ERP_INVITATION_HOURS", 1...8_760) {
      self.invitationLifetime = TimeInterval(hours * 3600)
    }
    if let rate = number("ERP_SESSION_RATE", 1...1_000_000) { self.userRate = rate }
    if let burst = number("ERP_SESSION_BURST", 1...1_000_000) { self.userBurst = burst }
    if let minutes = number("ERP_RESET_MINUTES", 1...10_080) {
      self.resetLifetime = TimeInterval(minutes * 60)
    }
  }
}

/// The time the staff accounts go by (lockouts, session and token expiry): the system's clock,
/// which a test moves forward for one tenant of its own (so that no test waits for a lockout to
/// pass, and no other tenant's time moves). Every expiry is compared with this time, passed to
/// SQL, never with the database's `now()`.
final class IdentityClock: Sendable {
  static let shared = IdentityClock()

  private let offsets = NIOLockedValueBox<[String: TimeInterval]>([:])

  func now(_ tenant: String) -> Date {
    Date().addingTimeInterval(self.offsets.withLockedValue { $0[tenant] ?? 0 })
  }

  /// Moves `tenant`'s time forward by `interval`.
  func advance(_ tenant: String, by interval: TimeInterval) {
    self.offsets.withLockedValue { $0[tenant, default: 0] += interval }
  }
}

import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import Gateway

/// The staff sessions' table of ``GrantCache``, alone: read once within its time to live,
/// forgotten at once by the identity calls that change a session, its last use kept.
@Suite("The gateway's session cache")
struct SessionCacheTests {
  private static func principal(seen: Date) -> StaffSessions.Principal {
    StaffSessions.Principal(
      sessionID: "s-1",
      userID: "u-1",
      tenant: "acme",
      tenantStatus: "active",
      userStatus: "active",
      roles: RoleGrant(roles: []),
      revoked: false,
      lastSeen: seen,
      expires: seen.addingTimeInterval(3_600)
    )
  }

  @Test(
    "a session is loaded once within the ttl, again after forgetSessions; unknown ones never kept"
  )
  func loadsOnceUntilForgotten() async throws {
    let cache = GrantCache(ttl: .seconds(3_600))
    let loads = NIOLockedValueBox(0)
    let digest = ApiKeyDigest(secret: "erps_example")
    let seen = Date(timeIntervalSince1970: 1_800_000_000)
    func read() async throws -> StaffSessions.Principal? {
      try await cache.session(digest) {
        loads.withLockedValue { $0 += 1 }
        return Self.principal(seen: seen)
      }
    }
    #expect(try await read()?.sessionID == "s-1")
    #expect(try await read()?.sessionID == "s-1")
    #expect(loads.withLockedValue { $0 } == 1)

    let touched = seen.addingTimeInterval(120)
    cache.sessionSeen(digest, at: touched)
    #expect(try await read()?.lastSeen == touched)
    #expect(loads.withLockedValue { $0 } == 1)

    cache.forgetSessions()
    #expect(try await read()?.lastSeen == seen)
    #expect(loads.withLockedValue { $0 } == 2)

    let unknown = ApiKeyDigest(secret: "erps_unknown")
    for _ in 0..<2 {
      let found = try await cache.session(unknown) {
        loads.withLockedValue { $0 += 1 }
        return nil
      }
      #expect(found == nil)
    }
    #expect(loads.withLockedValue { $0 } == 4)
  }

  @Test("a session read before forgetSessions (a revocation racing the read) is not remembered")
  func readBeforeForgettingIsNotKept() async throws {
    let cache = GrantCache(ttl: .seconds(3_600))
    let loads = NIOLockedValueBox(0)
    let digest = ApiKeyDigest(secret: "erps_example")
    _ = try await cache.session(digest) {
      loads.withLockedValue { $0 += 1 }
      cache.forgetSessions()  // the revocation commits while this read is under way
      return Self.principal(seen: Date())
    }
    _ = try await cache.session(digest) {
      loads.withLockedValue { $0 += 1 }
      return Self.principal(seen: Date())
    }
    #expect(loads.withLockedValue { $0 } == 2)
  }

  @Test("an entry older than the ttl is loaded again")
  func expires() async throws {
    let cache = GrantCache(ttl: .zero)
    let loads = NIOLockedValueBox(0)
    let digest = ApiKeyDigest(secret: "erps_example")
    for _ in 0..<3 {
      _ = try await cache.session(digest) {
        loads.withLockedValue { $0 += 1 }
        return Self.principal(seen: Date())
      }
    }
    #expect(loads.withLockedValue { $0 } == 3)
  }
}

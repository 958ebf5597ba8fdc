import ERPTestSupport
import Testing

@testable import ERPStore

@Suite("libpq connections keep TCP alive")
struct KeepaliveTests {
  @Test("keepalives and tcp_user_timeout are on by default; the caller's settings win")
  func defaults() async throws {
    let conninfo = try await TestDatabase.conninfo()
    let plain = try await Blocking.run { try PostgresConnection(conninfo: conninfo) }
    #expect(plain.option("keepalives") == "1")
    #expect(plain.option("keepalives_idle") == "15")
    #expect(plain.option("keepalives_interval") == "5")
    #expect(plain.option("keepalives_count") == "3")
    #expect(plain.option("tcp_user_timeout") == "30000")
    let own = try await Blocking.run {
      try PostgresConnection(conninfo: conninfo + " keepalives_idle=99 tcp_user_timeout=1234")
    }
    #expect(own.option("keepalives_idle") == "99")
    #expect(own.option("tcp_user_timeout") == "1234")
    #expect(own.option("keepalives") == "1")
  }
}

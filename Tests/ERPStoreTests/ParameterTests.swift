import ERPStore
import ERPTestSupport
import Testing

/// libpq takes parameters as C strings: a NUL would silently cut one short.
@Suite("Parameters: what libpq cannot carry is refused, not truncated")
struct ParameterTests {
  @Test("a parameter with a NUL byte is refused with SQLSTATE 22021, alone or in a pipeline")
  func nulParameter() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    defer { Task { await pool.shutdown() } }
    let single = await #expect(throws: PostgresError.self) {
      try await pool.withSession { session in
        _ = try await session.query("SELECT $1::text AS t", ["a\u{0}b"])
      }
    }
    #expect(single?.sqlState == "22021")
    #expect(single?.kind == .server)

    let piped = await #expect(throws: PostgresError.self) {
      try await pool.withSession { session in
        _ = try await session.pipeline([
          PostgresStatement("SELECT $1::text AS t", ["fine"]),
          PostgresStatement("SELECT $1::text AS t", ["\u{0}"]),
        ])
      }
    }
    #expect(piped?.sqlState == "22021")

    // Arabic and other text passes untouched.
    let text = try await pool.withSession { session in
      try await session.query("SELECT $1::text AS t", ["شركة النخيل"])[0].decode(
        "t",
        as: String.self
      )
    }
    #expect(text == "شركة النخيل")
  }
}

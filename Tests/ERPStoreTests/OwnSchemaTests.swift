import ERPStore
import ERPTestSupport
import Foundation
import Testing

@Suite("A service's own schema: versioned migrations outside every tenant")
struct OwnSchemaTests {
  @Test("created and migrated once, a later version applied alone, never taken for a tenant")
  func versioned() async throws {
    let pool = try await TestDatabase.isolatedPool("erp_own_schema")
    let name = "registry_\(UInt32.random(in: 0...UInt32.max))"
    let first = Migration(
      version: 1,
      name: "entries",
      sql: "CREATE TABLE entry (id bigint PRIMARY KEY, label text NOT NULL)"
    )
    try await pool.migrate(OwnSchema(name: name, migrations: [first]))
    try await pool.withSession {
      try await $0.query("INSERT INTO \"\(name)\".entry VALUES (1, 'مرحبا')")
    }
    // Again (a restart): nothing re-run, so the plain CREATE TABLE does not fail.
    try await pool.migrate(OwnSchema(name: name, migrations: [first]))
    let second = Migration(
      version: 2,
      name: "entry notes",
      sql: "ALTER TABLE entry ADD COLUMN note text NOT NULL DEFAULT ''"
    )
    // Two replicas starting together: the schema's lock serialises them.
    async let one: Void = pool.migrate(OwnSchema(name: name, migrations: [first, second]))
    async let two: Void = pool.migrate(OwnSchema(name: name, migrations: [first, second]))
    _ = try await (one, two)

    let (versions, label, note, comment) = try await pool.withSession { session in
      let versions = try await session.query(
        "SELECT version FROM \"\(name)\".schema_migrations ORDER BY version"
      ).map { try $0.decode("version", as: Int.self) }
      let row = try await session.query("SELECT label, note FROM \"\(name)\".entry")[0]
      let comment = try await session.query(
        "SELECT obj_description(oid, 'pg_namespace') AS note FROM pg_namespace WHERE nspname = $1",
        [name]
      )[0]
      return (
        versions, try row.decode("label", as: String.self), try row.decode("note", as: String.self),
        try comment.decode("note", as: String.self)
      )
    }
    #expect(versions == [1, 2])
    #expect(label == "مرحبا")
    #expect(note == "")
    #expect(comment == "erp:migrations=2")
    #expect(try await pool.listTenants().allSatisfy { $0.tenant.schema != name })
    try await pool.withSession { try await $0.query("DROP SCHEMA \"\(name)\" CASCADE") }
    await pool.shutdown()
  }
}

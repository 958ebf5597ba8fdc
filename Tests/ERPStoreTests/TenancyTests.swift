import ERPStore
import ERPTestSupport
import Foundation
import Testing

private let itemsMigration = Migration(
  version: 1,
  name: "items",
  sql: "CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL)"
)
private let notesMigration = Migration(
  version: 2,
  name: "notes",
  sql: "CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL)"
)

@Suite("Tenancy: one schema and one role per tenant")
struct TenancyTests {
  @Test(
    "hostile or malformed tenant ids are refused before any SQL",
    arguments: [
      "", "ab", "A_corp", "acme'; DROP SCHEMA public; --", "acme;", "ac me", "\"acme\"",
      "pg_catalog",
      "pg_acme", "أحمد", "acmé", "1acme", "_acme", String(repeating: "a", count: 41), "acme\0x",
    ]
  )
  func hostileSlugs(raw: String) {
    let error = #expect(throws: StoreError.self) { try TenantID(validating: raw) }
    #expect(error?.kind == .invalidTenantID)
    #expect(error?.message.contains("tenant id") == true)
  }

  @Test(
    "valid slugs are accepted",
    arguments: ["acme", "abc", "a_1", String(repeating: "z", count: 40)]
  )
  func validSlugs(raw: String) throws {
    #expect(try TenantID(validating: raw).schema == "t_" + raw)
  }

  @Test("tenant A's transaction cannot read tenant B's table, even schema-qualified")
  func isolation() async throws {
    let pool = try await TestDatabase.pool()
    let a = TestDatabase.uniqueTenant("a")
    let b = TestDatabase.uniqueTenant("b")
    try await pool.provision(a, migrations: [itemsMigration])
    try await pool.provision(b, migrations: [itemsMigration])
    try await pool.withTenant(a) {
      try await $0.query("INSERT INTO items (name) VALUES ($1)", ["A's"])
    }
    try await pool.withTenant(b) {
      try await $0.query("INSERT INTO items (name) VALUES ($1)", ["B's"])
    }

    // Unqualified names resolve to the tenant's own schema.
    let own = try await pool.withTenant(a) { session in
      try await session.query("SELECT name FROM items").map {
        try $0.decode("name", as: String.self)
      }
    }
    #expect(own == ["A's"])

    // Schema-qualified access to the other tenant fails with permission denied, not rows.
    for statements in [
      ["SELECT name FROM \(b.schema).items"], ["INSERT INTO \(b.schema).items (name) VALUES ('x')"],
      ["SET search_path TO \(b.schema)", "SELECT name FROM items"],
      ["SET ROLE \(b.role)", "SELECT name FROM \(b.schema).items"],
    ] {
      do {
        try await pool.withTenant(a) { session in
          for sql in statements { try await session.query(sql) }
        }
        Issue.record("\(statements) was allowed")
      } catch let error as PostgresError {
        // Switching to B's schema leaves no `items` visible (42P01); everything else is 42501.
        #expect(["42501", "42P01"].contains(error.sqlState), "\(statements): \(error)")
      }
    }
    // The role does not leak into the next transaction on the same pooled connection.
    let role = try await pool.withSession { session in
      try await session.query("SELECT current_user AS r")[0].decode("r", as: String.self)
    }
    #expect(role == "postgres")
    await pool.shutdown()
  }

  @Test("a session-level SET inside a transaction does not reach the connection's next user")
  func sessionSettingsDoNotLeak() async throws {
    let pool = try await TestDatabase.pool(maxConnections: 1)
    let tenant = TestDatabase.uniqueTenant()
    try await pool.provision(tenant, migrations: [itemsMigration])
    try await pool.withTenant(tenant) { session in
      try await session.query("SET search_path TO pg_catalog")
      try await session.query("SET statement_timeout TO '1s'")
    }
    let (path, timeout, zone, user) = try await pool.withSession { session in
      let row = try await session.query(
        "SELECT current_setting('search_path') AS p, current_setting('statement_timeout') AS t, "
          + "current_setting('TimeZone') AS z, current_user AS u"
      )[0]
      return (
        try row.decode("p", as: String.self), try row.decode("t", as: String.self),
        try row.decode("z", as: String.self), try row.decode("u", as: String.self)
      )
    }
    #expect(path == "\"$user\", public")
    #expect(timeout == "0")
    #expect(zone == "UTC")
    #expect(user == "postgres")
    await pool.shutdown()
  }

  @Test("provisioning is idempotent; describe reports the version; deprovision needs confirmation")
  func provisionDescribeDeprovision() async throws {
    let pool = try await TestDatabase.pool()
    let tenant = TestDatabase.uniqueTenant()
    try await pool.provision(tenant, migrations: [itemsMigration])
    try await pool.provision(tenant, migrations: [itemsMigration, notesMigration])
    #expect(try await pool.describe(tenant).migrationVersion == 2)
    let refused = await #expect(throws: StoreError.self) {
      try await pool.deprovision(tenant, confirmation: "yes")
    }
    #expect(refused?.kind == .confirmationRequired)
    try await pool.deprovision(tenant, confirmation: tenant.slug)
    let gone = await #expect(throws: StoreError.self) { try await pool.describe(tenant) }
    #expect(gone?.kind == .tenantNotProvisioned)
    await pool.shutdown()
  }

  @Test("migrations started from two pools at once apply each version exactly once")
  func concurrentMigrations() async throws {
    // Ten provisions queue for two connections behind each other's advisory locks: under a
    // loaded test run that wait can pass the default 5 s, and timing is not what this checks.
    let first = try await TestDatabase.pool(maxConnections: 2) { $0.acquireTimeout = .seconds(60) }
    let second = try await TestDatabase.pool(maxConnections: 2) { $0.acquireTimeout = .seconds(60) }
    let tenants = (0..<10).map { _ in TestDatabase.uniqueTenant("m") }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for tenant in tenants {
        for pool in [first, second] {
          group.addTask {
            try await pool.provision(tenant, migrations: [itemsMigration, notesMigration])
          }
        }
      }
      try await group.waitForAll()
    }
    for tenant in tenants {
      let versions = try await first.withTenant(tenant) { session in
        try await session.query("SELECT version FROM schema_migrations ORDER BY version").map {
          try $0.decode("version", as: Int.self)
        }
      }
      #expect(versions == [1, 2])
    }
    await first.shutdown()
    await second.shutdown()
  }

  @Test("1,000 tenants are provisioned and described; a no-op migrate-all touches none")
  func thousandTenants() async throws {
    let pool = try await TestDatabase.isolatedPool("erp_store_many_\(getpid())")
    let prefix = "k" + UUID().uuidString.lowercased().prefix(6)
    let tenants = (0..<1000).map { try! TenantID(validating: "\(prefix)_\($0)") }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for chunk in stride(from: 0, to: tenants.count, by: 125) {
        group.addTask {
          for tenant in tenants[chunk..<min(chunk + 125, tenants.count)] {
            try await pool.provision(tenant, migrations: [itemsMigration])
          }
        }
      }
      try await group.waitForAll()
    }
    let listed = try await pool.listTenants().filter { $0.tenant.slug.hasPrefix(prefix) }
    #expect(listed.count == 1000)
    #expect(listed.allSatisfy { $0.migrationVersion == 1 })
    #expect(try await pool.describe(tenants[999]).migrationVersion == 1)
    let migrated = try await pool.migrateAll(migrations: [itemsMigration])
    #expect(migrated == 0)
    await pool.shutdown()
  }
}

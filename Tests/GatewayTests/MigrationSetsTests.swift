import ERPRuntime
import ERPStore
import ERPSystem
import ERPTestSupport
import Foundation
import HR
import Testing

@testable import Gateway

/// Every service's migrations, the outbox's shared set, and the gateway's own schema. Here
/// because this module links every service.
@Suite("Migration sets: versions in order everywhere; old tenants and old gateways migrate")
struct MigrationSetsTests {
  /// Every service's tenant migrations, and each own schema's (the gateway's), by name (a name,
  /// not the SQL, is what the test log shows for each case): derived from the catalog's
  /// definitions, so a new domain's migrations are checked without a line here.
  static let sets: [String: [Migration]] = Dictionary(
    uniqueKeysWithValues: SystemDefinitions.all.flatMap { entry, definition in
      (definition.migrations.isEmpty ? [] : [(entry.name, definition.migrations)])
        + definition.ownSchemas.map { ("\(entry.name)'s own schema \($0.name)", $0.migrations) }
    }
  )

  @Test("the sets hold every domain service's migrations and the gateway's own schema")
  func setsCoverTheCatalog() {
    #expect(Set(ServiceCatalog.domains.map(\.name)).isSubset(of: Self.sets.keys))
    #expect(Self.sets["gateway's own schema gateway"]?.isEmpty == false)
  }

  @Test("each service's versions are unique and increasing, from 1", arguments: Self.sets.keys)
  func versions(service: String) throws {
    let migrations = try #require(Self.sets[service])
    let versions = migrations.map(\.version)
    #expect(versions.first == 1, "\(service)")
    #expect(zip(versions, versions.dropFirst()).allSatisfy { $0 < $1 }, "\(service): \(versions)")
    #expect(Set(versions).count == versions.count, "\(service): \(versions)")
    #expect(migrations.allSatisfy { !$0.name.isEmpty }, "\(service)")
  }

  /// The old code created the outbox inside one of the service's own migrations; the tenants
  /// it migrated have those versions recorded. Such a tenant (made here with exactly the old
  /// migrations) takes today's migrations and ends with the schema a new tenant gets.
  @Test(
    "a tenant migrated by the old code migrates, and ends as a new tenant does",
    arguments: [("sales", 1), ("hr", 3), ("supplychain", 2)]
  )
  func outboxUpgrade(service: String, heldOutbox: Int) async throws {
    let migrations = try #require(Self.sets[service])
    let pool = try await TestDatabase.pool(maxConnections: 2)
    try await ServiceDefinition.prepare(HRMigrations.databaseSetup, on: pool)
    let outbox = try #require(migrations.first { $0.name == "outbox" })
    var old = migrations.filter { $0.version < outbox.version }
    let index = try #require(old.firstIndex { $0.version == heldOutbox })
    // What the old code ran: the table without IF NOT EXISTS, appended to that migration.
    old[index].sql += "\n" + outbox.sql.replacingOccurrences(of: " IF NOT EXISTS", with: "")

    let upgraded = TestDatabase.uniqueTenant("up")
    try await pool.provision(upgraded, migrations: old)
    try await pool.withTenant(upgraded) { session in
      try await session.query(
        "INSERT INTO outbox (topic, key, payload) VALUES ('t', 'kept', '{}'::jsonb)"
      )
    }
    try await pool.migrate(upgraded, migrations: migrations)
    let fresh = TestDatabase.uniqueTenant("new")
    try await pool.provision(fresh, migrations: migrations)

    #expect(try await Self.shape(pool, upgraded) == Self.shape(pool, fresh), "\(service)")
    let kept = try await pool.withTenant(upgraded) { session in
      try await session.query("SELECT key FROM outbox").map {
        try $0.decode("key", as: String.self)
      }
    }
    #expect(kept == ["kept"])
    #expect(try await pool.describe(upgraded).migrationVersion == migrations.last?.version)
    await pool.shutdown()
  }

  /// A gateway database made before the gateway's schema had versions (its statements run at
  /// every start) is migrated without losing a row, and ends as a new one does.
  @Test("a gateway database from before versions migrates without loss")
  func gatewayUpgrade() async throws {
    let pool = try await TestDatabase.isolatedPool("erp_gateway_upgrade", maxConnections: 2)
    try await pool.withSession { try await $0.query("DROP SCHEMA IF EXISTS gateway CASCADE") }
    // The old start-up, as it was.
    try await ServiceDefinition.prepare(
      ["CREATE SCHEMA IF NOT EXISTS gateway"] + GatewaySchema.unversioned,
      on: pool
    )
    try await pool.withSession { session in
      try await session.query(
        "INSERT INTO gateway.tenant (id, display_name, status) VALUES ('acme', 'أكمي', 'active')"
      )
      try await session.query(
        """
        INSERT INTO gateway.api_key (id, tenant_id, name, secret_hash, scopes, rate_per_second,
          burst) VALUES ('key_1', 'acme', 'partner', '\\x01'::bytea, '{sales:read}', 10, 20)
        """
      )
    }
    let before = try await Self.gatewayShape(pool)
    try await GatewayService.prepareDatabase(pool)
    try await GatewayService.prepareDatabase(pool)  // a restart: nothing to do
    let (tenants, keys, versions) = try await pool.withSession { session in
      (
        try await session.query("SELECT display_name FROM gateway.tenant").map {
          try $0.decode("display_name", as: String.self)
        },
        try await session.query("SELECT id FROM gateway.api_key").map {
          try $0.decode("id", as: String.self)
        },
        try await session.query("SELECT version FROM gateway.schema_migrations").map {
          try $0.decode("version", as: Int.self)
        }
      )
    }
    #expect(tenants == ["أكمي"])
    #expect(keys == ["key_1"])
    #expect(versions == GatewaySchema.schema.migrations.map(\.version))
    let upgraded = try await Self.gatewayShape(pool)
    // Nothing lost or changed; only the bookkeeping and the later versions' tables and columns
    // (the webhooks', version 2; the keys' allowed origins, version 3; the staff accounts',
    // version 4; the audit trail's columns, version 5; the webhook retention's indexes, version 6)
    // are new.
    #expect(before.isSubset(of: upgraded))
    let trail =
      ["record_id", "request_id", "source_address", "read_only"].map { "audit.\($0) " }
      + ["audit_tenant_key ", "audit_tenant_id "]
    #expect(
      upgraded.subtracting(before).allSatisfy { column in
        column.hasPrefix("schema_migrations") || column.hasPrefix("webhook_")
          || column.hasPrefix("api_key.allowed_origins ") || column.hasPrefix("staff_")
          || column.hasPrefix("sign_in_lock") || trail.contains { column.hasPrefix($0) }
      }
    )

    // A new database gets the same tables.
    try await pool.withSession { try await $0.query("DROP SCHEMA gateway CASCADE") }
    try await GatewayService.prepareDatabase(pool)
    #expect(try await Self.gatewayShape(pool) == upgraded)
    await pool.shutdown()
  }

  /// Tables, columns and indexes of a tenant's schema, the schema's name taken out.
  static func shape(_ pool: ConnectionPool, _ tenant: TenantID) async throws -> Set<String> {
    try await Self.schemaShape(pool, tenant.schema)
  }

  static func gatewayShape(_ pool: ConnectionPool) async throws -> Set<String> {
    try await Self.schemaShape(pool, "gateway")
  }

  static func schemaShape(_ pool: ConnectionPool, _ schema: String) async throws -> Set<String> {
    try await pool.withSession { session in
      let columns = try await session.query(
        """
        SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
          || ' ' || coalesce(column_default, '') AS line
        FROM information_schema.columns WHERE table_schema = $1
        """,
        [schema]
      )
      let indexes = try await session.query(
        "SELECT indexname || ' ' || indexdef AS line FROM pg_indexes WHERE schemaname = $1",
        [schema]
      )
      return Set(
        try (columns + indexes).map {
          try $0.decode("line", as: String.self).replacingOccurrences(of: schema, with: "S")
        }
      )
    }
  }
}

// Versioned migrations and the one runner that applies them, to a tenant's schema or to a
// service's own (OwnSchema.swift).

/// A versioned step of a service's schema, applied to each tenant schema once, in order.
public struct Migration: Sendable {
  public var version: Int
  public var name: String
  /// Fixed SQL from the service's code (never user input); may hold several statements.
  public var sql: String

  public init(version: Int, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }
}

extension ConnectionPool {
  /// Applies the migrations a tenant schema lacks, as the tenant's role (``applyMigrations``).
  public func migrate(_ tenant: TenantID, migrations: [Migration]) async throws {
    try await self.applyMigrations(
      schema: tenant.schema,
      enter: tenant.enterStatements,
      migrations: migrations
    )
  }

  /// Brings every tenant up to the latest migration. With nothing to do this costs one catalog
  /// query, whatever the number of tenants. `progress` hears (done, total) after each tenant.
  public func migrateAll(
    migrations: [Migration],
    progress: @Sendable (Int, Int) -> Void = { _, _ in }
  ) async throws -> Int {
    let latest = migrations.map(\.version).max() ?? 0
    let behind = try await self.listTenants().filter { $0.migrationVersion < latest }
    for (index, description) in behind.enumerated() {
      try await self.migrate(description.tenant, migrations: migrations)
      progress(index + 1, behind.count)
    }
    return behind.count
  }

  /// The one migration runner, for a tenant's schema and a service's own. An advisory lock per
  /// schema serialises concurrent runs; `enter` (run after the lock) makes the schema the
  /// transaction's; each applied version is recorded in the schema's `schema_migrations`, and
  /// the schema's comment carries the latest version so that `migrateAll` finds what is behind
  /// in one catalog query.
  func applyMigrations(schema: String, enter: String, migrations: [Migration]) async throws {
    let ordered = migrations.sorted { $0.version < $1.version }
    try await self.withTransaction { session in
      try await session.query(
        "SELECT pg_advisory_xact_lock(hashtext($1))",
        ["erp-migrate:" + schema]
      )
      try await session.execute(
        """
        \(enter);
        CREATE TABLE IF NOT EXISTS schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )
        """
      )
      let applied = Set(
        try await session.query("SELECT version FROM schema_migrations").map {
          try $0.decode("version", as: Int.self)
        }
      )
      for migration in ordered where !applied.contains(migration.version) {
        try await session.execute(migration.sql)
        try await session.query(
          "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
          [migration.version, migration.name]
        )
      }
      let latest = ordered.last?.version ?? 0
      try await session.execute(
        "COMMENT ON SCHEMA \"\(schema)\" IS '\(SchemaNote.text(version: latest))'"
      )
    }
  }
}

/// The comment each tenant schema carries, `erp:migrations=<version>`: the latest migration
/// applied, readable for every tenant in one catalog query.
enum SchemaNote {
  static let prefix = "erp:migrations="

  static func text(version: Int) -> String { Self.prefix + String(version) }

  /// The version in a schema's comment; 0 when there is none (never migrated).
  static func version(in note: String) -> Int {
    guard note.hasPrefix(Self.prefix) else { return 0 }
    return Int(note.dropFirst(Self.prefix.count)) ?? 0
  }
}

/// A schema a service keeps for itself, outside every tenant (the gateway's registry of tenants
/// and keys), with versioned migrations of its own: the same runner as a tenant's schema.
public struct OwnSchema: Sendable {
  public var name: String
  public var migrations: [Migration]

  /// `name` is fixed by the service's code; it may not look like a tenant's (`t_…`), which
  /// `listTenants` and `migrateAll` would then take for one.
  public init(name: String, migrations: [Migration]) {
    precondition(!name.hasPrefix("t_"), "\(name): t_ names tenant schemas")
    self.name = name
    self.migrations = migrations
  }
}

extension ConnectionPool {
  /// Creates the schema unless it exists and applies the migrations it lacks, as the login role
  /// (no tenant role is entered), with the tenants' lock and bookkeeping: `schema_migrations` in
  /// the schema, and the latest version in its comment. Safe to run from several replicas at once.
  public func migrate(_ schema: OwnSchema) async throws {
    try await self.applyMigrations(
      schema: schema.name,
      enter: """
        CREATE SCHEMA IF NOT EXISTS "\(schema.name)";
        SET LOCAL search_path TO "\(schema.name)"
        """,
      migrations: schema.migrations
    )
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

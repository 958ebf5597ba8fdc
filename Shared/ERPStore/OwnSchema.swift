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
}

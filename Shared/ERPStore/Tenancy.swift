import GRPCCore

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

/// What a tenant looks like in one service's database.
public struct TenantDescription: Sendable, Equatable {
  public var tenant: TenantID
  public var migrationVersion: Int
}

extension ConnectionPool {
  /// Creates the tenant's role (NOLOGIN) and schema (owned by that role, closed to everyone
  /// else), then applies `migrations`. Safe to repeat, and to run from several replicas or
  /// services at once.
  public func provision(_ tenant: TenantID, migrations: [Migration]) async throws {
    try await self.withTransaction { session in
      try await session.execute(
        """
        SELECT pg_advisory_xact_lock(hashtext('erp-provision:' || '\(tenant.schema)'));
        DO $$ BEGIN
          CREATE ROLE "\(tenant.role)" NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END $$;
        GRANT "\(tenant.role)" TO CURRENT_USER;
        CREATE SCHEMA IF NOT EXISTS "\(tenant.schema)" AUTHORIZATION "\(tenant.role)";
        REVOKE ALL ON SCHEMA "\(tenant.schema)" FROM PUBLIC;
        """
      )
    }
    try await self.migrate(tenant, migrations: migrations)
  }

  /// Drops the tenant's schema and everything in it. `confirmation` must repeat the tenant id:
  /// a guard against a slip, since nothing brings the data back.
  public func deprovision(_ tenant: TenantID, confirmation: String) async throws {
    guard confirmation == tenant.slug else {
      throw RPCError(
        code: .failedPrecondition,
        message: "deprovisioning \(tenant) needs confirmation: repeat the tenant id"
      )
    }
    try await self.withTransaction { session in
      try await session.execute("DROP SCHEMA IF EXISTS \"\(tenant.schema)\" CASCADE")
    }
  }

  /// Applies the migrations a tenant schema lacks, as the tenant's role (``applyMigrations``).
  public func migrate(_ tenant: TenantID, migrations: [Migration]) async throws {
    try await self.applyMigrations(
      schema: tenant.schema,
      enter: tenant.enterStatements,
      migrations: migrations
    )
  }

  /// Every tenant schema in this database with its recorded migration version: one query.
  public func listTenants() async throws -> [TenantDescription] {
    try await self.withSession { session in
      try await session.query(
        """
        SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '') AS note
        FROM pg_namespace WHERE nspname LIKE 't\\_%' ORDER BY nspname
        """
      ).compactMap { row in
        let schema = try row.decode("nspname", as: String.self)
        guard let tenant = try? TenantID(validating: String(schema.dropFirst(2))) else {
          return nil
        }
        let version = SchemaNote.version(in: try row.decode("note", as: String.self))
        return TenantDescription(tenant: tenant, migrationVersion: version)
      }
    }
  }

  /// The tenant as this database knows it; NOT_FOUND when it was never provisioned here.
  public func describe(_ tenant: TenantID) async throws -> TenantDescription {
    let row = try await self.withSession { session in
      try await session.query(
        """
        SELECT coalesce(obj_description(oid, 'pg_namespace'), '') AS note
        FROM pg_namespace WHERE nspname = $1
        """,
        [tenant.schema]
      ).first
    }
    guard let row else {
      throw RPCError(code: .notFound, message: "tenant \(tenant) is not provisioned")
    }
    let version = SchemaNote.version(in: try row.decode("note", as: String.self))
    return TenantDescription(tenant: tenant, migrationVersion: version)
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

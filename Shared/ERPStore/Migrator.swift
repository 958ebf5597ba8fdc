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

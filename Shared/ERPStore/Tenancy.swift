// Tenants in one service's database (ARCHITECTURE §4): a NOLOGIN role and a schema of the same
// name per tenant, created here and found again from the catalog. Their tables are the
// migrator's (Migrator.swift); entering a tenant is the transactions' (Transactions.swift).

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
      throw StoreError(
        .confirmationRequired,
        "deprovisioning \(tenant) needs confirmation: repeat the tenant id"
      )
    }
    try await self.withTransaction { session in
      try await session.execute("DROP SCHEMA IF EXISTS \"\(tenant.schema)\" CASCADE")
    }
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

  /// The tenant as this database knows it; ``StoreError/Kind/tenantNotProvisioned`` when it
  /// was never provisioned here.
  public func describe(_ tenant: TenantID) async throws -> TenantDescription {
    let row = try await self.withSession(tenant: tenant) { session in
      try await session.query(
        """
        SELECT coalesce(obj_description(oid, 'pg_namespace'), '') AS note
        FROM pg_namespace WHERE nspname = $1
        """,
        [tenant.schema]
      ).first
    }
    guard let row else {
      throw StoreError(.tenantNotProvisioned, "tenant \(tenant) is not provisioned")
    }
    let version = SchemaNote.version(in: try row.decode("note", as: String.self))
    return TenantDescription(tenant: tenant, migrationVersion: version)
  }
}

public import ERPStore

/// The gateway's own tables, in its database's `gateway` schema (not per tenant: the gateway
/// holds the registry of tenants itself), with versioned migrations like a tenant's schema.
/// Never edit a released migration: add the next one.
public enum GatewaySchema {
  public static let schema = OwnSchema(
    name: "gateway",
    migrations: [registry, WebhookSchema.tables, allowedOrigins]
  )

  /// The web origins each key may be used from (CORS at the JSON door); none for older keys.
  static let allowedOrigins = Migration(
    version: 3,
    name: "api key allowed origins",
    sql: "ALTER TABLE gateway.api_key ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}'"
  )

  /// The registry, the keys and the audit log. Before the gateway's schema had versions these
  /// statements ran at every start, which is why they say IF NOT EXISTS: a database made then
  /// has them all, and records this version without a change.
  static let registry = Migration(
    version: 1,
    name: "registry, keys and audit log",
    sql: Self.unversioned.joined(separator: ";\n")
  )

  /// What every start ran before the schema had versions.
  static let unversioned = [
    """
    CREATE TABLE IF NOT EXISTS gateway.tenant (
      id text PRIMARY KEY,
      display_name text NOT NULL DEFAULT '',
      status text NOT NULL CHECK (status IN ('provisioning', 'active', 'suspended')),
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS gateway.tenant_service (
      tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
      service text NOT NULL,
      provisioned_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, service)
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS gateway.api_key (
      id text PRIMARY KEY,
      tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
      name text NOT NULL,
      secret_hash bytea NOT NULL UNIQUE,
      scopes text[] NOT NULL,
      expires_at timestamptz,
      revoked_at timestamptz,
      rate_per_second integer NOT NULL CHECK (rate_per_second > 0),
      burst integer NOT NULL CHECK (burst > 0),
      created_at timestamptz NOT NULL DEFAULT now()
    )
    """,
    """
    CREATE TABLE IF NOT EXISTS gateway.audit (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at timestamptz NOT NULL DEFAULT now(),
      key_id text NOT NULL,
      tenant_id text NOT NULL,
      method text NOT NULL,
      code text NOT NULL,
      milliseconds integer NOT NULL
    )
    """,
    "CREATE INDEX IF NOT EXISTS audit_tenant_at ON gateway.audit (tenant_id, at)",
  ]
}

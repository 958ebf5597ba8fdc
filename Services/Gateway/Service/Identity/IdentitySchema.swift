import ERPStore

/// The staff accounts' tables (gateway version 4), in the gateway's own database: users,
/// custom roles, invitation and reset tokens, sessions and the sign-in locks. Secrets are never
/// stored: tokens and recovery codes as their SHA-256, passwords as bcrypt hashes.
enum IdentitySchema {
  static let tables = Migration(
    version: 4,
    name: "staff users, roles, tokens, sessions and sign-in locks",
    sql: [
      """
      CREATE TABLE gateway.staff_user (
        id text PRIMARY KEY,
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        email text NOT NULL CHECK (email = lower(email)),
        display_name text NOT NULL,
        language text NOT NULL CHECK (language IN ('ar', 'en')),
        time_zone text NOT NULL,
        status text NOT NULL CHECK (status IN ('invited', 'active', 'deactivated')),
        password_hash text,
        totp_secret text,
        totp_pending text,
        recovery_hashes text[] NOT NULL DEFAULT '{}',
        roles text[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, email)
      )
      """,
      """
      CREATE TABLE gateway.staff_role (
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        name text NOT NULL,
        scopes text[] NOT NULL,
        own_records_only boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, name)
      )
      """,
      """
      CREATE TABLE gateway.staff_token (
        token_hash bytea PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('invitation', 'reset')),
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES gateway.staff_user (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )
      """,
      """
      CREATE TABLE gateway.staff_session (
        id text PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        user_id text NOT NULL REFERENCES gateway.staff_user (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        source_address text NOT NULL DEFAULT ''
      )
      """,
      "CREATE INDEX staff_session_user ON gateway.staff_session (user_id, created_at)",
      """
      CREATE TABLE gateway.sign_in_lock (
        tenant_id text NOT NULL REFERENCES gateway.tenant (id) ON DELETE CASCADE,
        email text NOT NULL,
        failures integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_failure_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, email)
      )
      """,
    ].joined(separator: ";\n")
  )
}

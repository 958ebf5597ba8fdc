import ERPStore

extension AuditLog {
  /// Gateway schema version 5: the audit log becomes the audit trail. Each row names who called
  /// (the key's id or `user:<id>`, in `key_id`), the record the call touched, its request id,
  /// the caller's address and whether the method only reads; and the table can no longer be
  /// edited: the gateway's role loses UPDATE, DELETE and TRUNCATE on it, and a trigger refuses
  /// them to every role, owner and superuser included (privileges do not bind those).
  static let trail = Migration(
    version: 5,
    name: "audit trail",
    sql: """
      ALTER TABLE gateway.audit
        ADD COLUMN record_id text NOT NULL DEFAULT '',
        ADD COLUMN request_id text NOT NULL DEFAULT '',
        ADD COLUMN source_address text NOT NULL DEFAULT '',
        ADD COLUMN read_only boolean NOT NULL DEFAULT false;
      CREATE INDEX audit_tenant_key ON gateway.audit (tenant_id, key_id, id);
      CREATE INDEX audit_tenant_id ON gateway.audit (tenant_id, id);
      CREATE FUNCTION gateway.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the audit trail is never edited' USING ERRCODE = '42501';
      END $$;
      CREATE TRIGGER audit_never_edited BEFORE UPDATE OR DELETE OR TRUNCATE ON gateway.audit
        FOR EACH STATEMENT EXECUTE FUNCTION gateway.refuse_audit_change();
      REVOKE UPDATE, DELETE, TRUNCATE ON gateway.audit FROM CURRENT_USER
      """
  )
}

public import ERPStore
import Foundation
public import SwiftProtobuf

/// The per-record history every domain service keeps in each tenant's schema: one row per
/// change of one of its records, written by the handler in the same transaction as the change
/// (so a change and its history commit or roll back together), with who made it (the gateway's
/// ``Caller``), the method and request id from ``RequestContext``, and for an update the changed
/// fields only (``FieldChanges``). Rows are never edited: the table's privileges do not allow the
/// tenant's role to UPDATE, DELETE or TRUNCATE it, and a trigger refuses the same to any role
/// (the table's owner and superusers included), so history only grows. Read through the shared
/// `erp.common.v1.RecordHistory` contract (``RecordHistoryService``).
public enum RecordHistory {
  /// What happened to the record.
  public enum Event: String, Sendable {
    case created
    case updated
    /// An update whose point is the record's status (an order confirmed, an invoice issued).
    case statusChanged = "status_changed"
    case deleted
  }

  /// The record types, and the domain owning each (the gateway routes `History` by it).
  public static let owners: [String: String] = [
    "customer": "customers", "opportunity": "customers", "order": "sales",
    "invoice": "finance", "item": "supplychain", "employee": "hr",
  ]

  static let migrationName = "record history"

  /// The table, its index and its protection, as a migration of the service's tenant schema.
  public static func migration(version: Int) -> Migration {
    Migration(version: version, name: Self.migrationName, sql: Self.migrationSQL)
  }

  static let migrationSQL = """
    CREATE TABLE record_history (
      sequence bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      record_type text NOT NULL,
      record_id text NOT NULL CHECK (length(record_id) BETWEEN 1 AND 100),
      at timestamptz NOT NULL DEFAULT clock_timestamp(),
      caller_id text NOT NULL DEFAULT '',
      method text NOT NULL DEFAULT '',
      request_id text NOT NULL DEFAULT '',
      event text NOT NULL CHECK (event IN ('created', 'updated', 'status_changed', 'deleted')),
      changes jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX record_history_record ON record_history (record_type, record_id, sequence);
    CREATE FUNCTION refuse_record_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'record history is never edited' USING ERRCODE = '42501';
    END $$;
    CREATE TRIGGER record_history_never_edited BEFORE UPDATE OR DELETE OR TRUNCATE
      ON record_history FOR EACH STATEMENT EXECUTE FUNCTION refuse_record_history_change();
    REVOKE UPDATE, DELETE, TRUNCATE ON record_history FROM CURRENT_USER;
    """

  /// Appends one row in `session`'s transaction. The caller, method and request id come from
  /// the call being handled; `requestID` overrides the metadata's with the message's own.
  public static func append(
    in session: PostgresSession,
    _ event: Event,
    type: String,
    id: String,
    changes: FieldChanges,
    requestID: String? = nil
  ) async throws {
    try await session.query(
      """
      INSERT INTO record_history (record_type, record_id, caller_id, method, request_id, event,
        changes)
      VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
      """,
      [
        type, id, RequestContext.caller?.id ?? "", RequestContext.method ?? "",
        String(
          (requestID.flatMap { $0.isEmpty ? nil : $0 } ?? RequestContext.requestID ?? "")
            .prefix(100)
        ),
        event.rawValue, changes.json,
      ]
    )
  }

  /// Appends the row for a change from `before` to `after` (nil `before`: created, nil
  /// `after`: deleted). An update that changed nothing writes nothing.
  public static func append(
    in session: PostgresSession,
    _ event: Event,
    type: String,
    id: String,
    before: (any SwiftProtobuf.Message)?,
    after: (any SwiftProtobuf.Message)?,
    ignoring: Set<String> = [],
    requestID: String? = nil
  ) async throws {
    let changes = try FieldChanges(before: before, after: after, ignoring: ignoring)
    if changes.isEmpty, event == .updated { return }
    try await Self.append(
      in: session,
      event,
      type: type,
      id: id,
      changes: changes,
      requestID: requestID
    )
  }
}

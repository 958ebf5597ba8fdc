public import ERPStore
import Foundation
import GRPCCore

/// Every create request a tenant's service has seen, by scope and request id, with its
/// fingerprint (and, for creates whose rows carry no request id, the first answer). One table in
/// each tenant's schema of each service; the one place a repeated request id is checked.
public enum RequestLog {
  /// The table, for a service's tenant migrations. `answer` is the first answer's protobuf
  /// binary form in base64, kept for creates keyed by a caller's code (``answeringOnce``).
  public static let migrationSQL = """
    CREATE TABLE request_log (
      scope text NOT NULL,
      request_id text NOT NULL CHECK (length(request_id) BETWEEN 1 AND 100),
      fingerprint text NOT NULL,
      answer text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, request_id)
    );
    """

  static let constraint = "request_log_pkey"

  /// What the log held for a request before this transaction claimed it.
  struct Earlier {
    var answer: String?
  }

  /// Claims `key` in the caller's transaction. First a transaction-scoped advisory lock on the
  /// request id (schema, scope and id hashed), so concurrent first attempts with one id queue
  /// behind each other instead of racing to a unique constraint: the second runs only after the
  /// first committed (and then sees its rows, READ COMMITTED taking a new snapshot per
  /// statement) or rolled back (and then is the first). Then the log row is written if absent.
  /// Returns nil for a new request, the earlier entry for a repeat; a repeat whose fingerprint
  /// differs is INVALID_ARGUMENT.
  static func claim(_ session: PostgresSession, _ key: RequestKey) async throws -> Earlier? {
    let results = try await session.pipeline([
      PostgresStatement(
        "SELECT pg_advisory_xact_lock(hashtextextended(current_schema() || '/' || $1 || '/' || $2, 0))",
        [key.scope, key.requestID]
      ),
      PostgresStatement(
        """
        INSERT INTO request_log (scope, request_id, fingerprint) VALUES ($1, $2, $3)
        ON CONFLICT (scope, request_id) DO NOTHING RETURNING true AS claimed
        """,
        [key.scope, key.requestID, key.fingerprint]
      ),
      PostgresStatement(
        "SELECT fingerprint, answer FROM request_log WHERE scope = $1 AND request_id = $2",
        [key.scope, key.requestID]
      ),
    ])
    guard results[1].isEmpty, let row = results[2].first else { return nil }
    try Self.check(try row.decode("fingerprint", as: String.self), key)
    return Earlier(answer: try row.decodeIfPresent("answer", as: String.self))
  }

  /// For a fast path that finds a repeat's rows outside ``creatingOnce`` (before calling peers
  /// a first attempt needs): INVALID_ARGUMENT when the request id was used with other content.
  public static func checkRepeat(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ key: RequestKey
  ) async throws {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT fingerprint FROM request_log WHERE scope = $1 AND request_id = $2",
      [key.scope, key.requestID]
    )
    if let row = rows.first { try Self.check(try row.decode("fingerprint", as: String.self), key) }
  }

  static func check(_ fingerprint: String, _ key: RequestKey) throws {
    guard fingerprint == key.fingerprint else {
      throw RPCError(
        code: .invalidArgument,
        message: "request_id: already used for a request with different content"
      )
    }
  }

  /// Keeps the first answer with the claimed request, in the same transaction.
  static func keep(_ session: PostgresSession, _ key: RequestKey, answer: [UInt8]) async throws {
    try await session.query(
      "UPDATE request_log SET answer = $3 WHERE scope = $1 AND request_id = $2",
      [key.scope, key.requestID, Data(answer).base64EncodedString()]
    )
  }
}

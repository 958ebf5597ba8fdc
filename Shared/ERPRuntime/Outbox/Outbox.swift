public import ERPStore
import NIOConcurrencyHelpers
public import SwiftProtobuf

/// Work for another service, written in the same transaction as the change that causes it and
/// delivered after commit until the receiver acknowledges it: a supplier bill for a goods
/// receipt, a journal entry for a shipment, an order fact for the customer timeline. A crash
/// between the commit and the call loses nothing; the receiver is idempotent by the message's
/// key, so delivering twice (a retry, or the relay and the handler at once) does no harm.
public enum Outbox {
  /// The outbox's migration set, which a service that queues work includes in its tenant
  /// migrations at the version it gives (the next of its own): one set, the same table in
  /// every service. `key` is the idempotency key the receiver sees; `payload` is the request
  /// in protobuf's JSON mapping, readable when one is stuck; `result` is what the receiver
  /// answered with (a bill or entry number).
  ///
  /// Idempotent on purpose: sales, HR and supply chain first created this table inside one of
  /// their own migrations (sales 1, supply chain 2, HR 3), which tenants migrated by that code
  /// have recorded. Those versions keep their numbers (no tenant re-runs or skips anything) and
  /// now leave the table to this set; on such a tenant this set finds the table and does
  /// nothing, on a new one it creates it: both end with the same schema.
  ///
  /// The set takes two versions, `version` and `version + 1` (the writer's trace context), so
  /// a service's next migration of its own is `version + 2`.
  public static func migrations(version: Int) -> [Migration] {
    [
      Migration(version: version, name: "outbox", sql: Self.migrationSQL),
      Migration(version: version + 1, name: "outbox_trace_context", sql: Self.traceContextSQL),
    ]
  }

  /// The W3C trace context of the span that wrote each message (null when untraced), for the
  /// relay's delivery span to link to.
  static let traceContextSQL = """
    ALTER TABLE outbox ADD COLUMN IF NOT EXISTS traceparent text
      CHECK (length(traceparent) <= 128);
    ALTER TABLE outbox ADD COLUMN IF NOT EXISTS tracestate text
      CHECK (length(tracestate) <= 512);
    """

  static let migrationSQL = """
    CREATE TABLE IF NOT EXISTS outbox (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      topic text NOT NULL,
      key text NOT NULL UNIQUE CHECK (length(key) BETWEEN 1 AND 100),
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text,
      delivered_at timestamptz,
      result text
    );
    CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE delivered_at IS NULL;
    """

  /// The keys a handler has queued (bound by ``inCallingTenant``), for
  /// ``OutboxRelay/deliverWritten(_:)`` to deliver once the handler's transaction has committed.
  @TaskLocal public static var written: WrittenKeys?

  /// Queues a message in the caller's transaction; a second message with the same key is the
  /// same message (a retried request) and is ignored.
  public static func enqueue(
    _ session: PostgresSession,
    topic: String,
    key: String,
    payload json: String
  ) async throws {
    let trace = OutboxTrace.writer()
    try await session.query(
      "INSERT INTO outbox (topic, key, payload, traceparent, tracestate) "
        + "VALUES ($1, $2, $3::jsonb, $4, $5) ON CONFLICT (key) DO NOTHING",
      [topic, key, json, trace.traceparent, trace.tracestate]
    )
    Self.written?.add(key)
  }
}

/// The outbox keys one handler wrote. A key from a transaction that rolled back finds no
/// message, and one another request wrote is delivered once anyway (receivers are idempotent).
public final class WrittenKeys: Sendable {
  private let keys = NIOLockedValueBox<[String]>([])

  public init() {}

  func add(_ key: String) { self.keys.withLockedValue { $0.append(key) } }

  /// The keys noted so far, forgetting them.
  func take() -> [String] {
    self.keys.withLockedValue { keys in
      defer { keys.removeAll() }
      return keys
    }
  }
}

/// One queued message, as the relay hands it to the service's delivery function.
public struct OutboxMessage: Sendable {
  public var id: Int64
  public var topic: String
  public var key: String
  /// The request in protobuf's JSON mapping.
  public var payload: String
  public var attempts: Int
  /// The writer's W3C trace context, when it was traced.
  public var traceparent: String? = nil
  public var tracestate: String? = nil
}

extension OutboxMessage {
  /// The payload as `M`. Fields this version does not know are ignored: during a rolling
  /// upgrade a newer replica may have written the message, and failing it here would strand
  /// it until this replica is replaced.
  public func decode<M: SwiftProtobuf.Message>(_ type: M.Type = M.self) throws -> M {
    var options = JSONDecodingOptions()
    options.ignoreUnknownFields = true
    return try M(jsonString: self.payload, options: options)
  }
}

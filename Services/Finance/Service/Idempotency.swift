import ERPRuntime
import ERPStore
import GRPCCore

/// Finance's documents and entries, created once per request id through ``creatingOnce``: the
/// request log holds each request's fingerprint (a reused id with different content is
/// INVALID_ARGUMENT there) and serialises concurrent first attempts. `existing` finds what the
/// request id already created. A document posts its journal entry under a request id of its own
/// (`payment:<id>`), whose constraint counts as the document's too.
enum Idempotency {
  static func once<T: Sendable>(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ key: RequestKey,
    constraint: String,
    existing:
      @escaping @Sendable (PostgresSession) async throws -> (
        hash: String, number: String, value: T
      )?,
    create: @escaping @Sendable (PostgresSession) async throws -> T
  ) async throws -> T {
    try await creatingOnce(
      pool,
      tenant,
      key,
      requestIDConstraints: [constraint, "journal_entry_request_id_key"]
    ) { session in
      if let found = try await existing(session) { return found.value }
      return try await create(session)
    }
  }
}

import ERPRuntime
import ERPStore
import GRPCCore

/// Finance's documents and entries, created once per request id (`creatingOnce`), with one rule
/// more: a request id reused for different content (its fingerprint differs) is INVALID_ARGUMENT.
enum Idempotency {
  static func once<T: Sendable>(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    requestID: String,
    hash: String,
    constraint: String,
    existing:
      @escaping @Sendable (PostgresSession) async throws -> (
        hash: String, number: String, value: T
      )?,
    create: @escaping @Sendable (PostgresSession) async throws -> T
  ) async throws -> T {
    try await creatingOnce(pool, tenant, requestIDConstraint: constraint) { session in
      if let found = try await existing(session) {
        guard found.hash == hash else {
          throw LedgerValues.invalid(
            "request_id",
            "already used for \(found.number) with different content"
          )
        }
        return found.value
      }
      return try await create(session)
    }
  }
}

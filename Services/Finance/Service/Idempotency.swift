import ERPStore
import GRPCCore

/// Creating something exactly once per request id. The request id is unique in its table; a
/// request whose id is already there gets what the first created (or INVALID_ARGUMENT when its
/// content differs), and two concurrent first attempts meet at the unique constraint: the loser
/// reads the winner's result.
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
    for _ in 0..<2 {
      do {
        return try await pool.withTenant(tenant) { session in
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
      } catch let error as PostgresError
        where error.sqlState == "23505" && error.constraint == constraint
      {
        continue  // a concurrent request with the same id won; read what it created
      }
    }
    throw RPCError(code: .aborted, message: "request_id: concurrent requests; retry")
  }
}

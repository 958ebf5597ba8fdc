public import ERPStore
import GRPCCore

/// Creating something once per request id, the way every service does it: `body` runs in one
/// tenant transaction and first looks for what the request id already created (returning it on a
/// repeat), else creates it. The request id is unique in its table, so two concurrent first
/// attempts meet at that constraint: the loser runs `body` again and reads the winner's row.
public func creatingOnce<T: Sendable>(
  _ pool: ConnectionPool,
  _ tenant: TenantID,
  requestIDConstraint constraint: String,
  _ body: @escaping @Sendable (PostgresSession) async throws -> T
) async throws -> T {
  for _ in 0..<2 {
    do {
      return try await pool.withTenant(tenant, body)
    } catch let error as PostgresError
      where error.sqlState == "23505" && error.constraint == constraint
    {
      continue  // a concurrent request with the same id won; read what it created
    }
  }
  throw RPCError(code: .aborted, message: "request_id: concurrent requests; retry")
}

/// A request id as every create call takes it: 1 to 100 characters, else INVALID_ARGUMENT
/// naming `field`.
public func checkedRequestID(_ id: String, field: String = "request_id") throws -> String {
  guard !id.isEmpty, id.count <= 100 else {
    throw RPCError(code: .invalidArgument, message: "\(field): 1 to 100 characters")
  }
  return id
}

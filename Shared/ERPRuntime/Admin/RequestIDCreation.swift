public import ERPStore
import Foundation
import GRPCCore
public import SwiftProtobuf

/// Creating something once per request id, the way every service does it: `body` runs in one
/// tenant transaction after ``RequestLog`` claimed the request (an advisory lock on the id, then
/// its fingerprint checked or recorded), and first looks for what the request id already created
/// (returning it on a repeat), else creates it. Concurrent first attempts queue on the lock, so
/// the later ones find the winner's rows and return its answer. The unique constraints on the
/// request id (`requestIDConstraints`: the row's own, and those of rows it creates on the way,
/// such as a document's journal entry) stay the last line: should one fire anyway, the
/// transaction runs again and reads what the winner created.
public func creatingOnce<T: Sendable>(
  _ pool: ConnectionPool,
  _ tenant: TenantID,
  _ key: RequestKey,
  requestIDConstraints constraints: Set<String> = [],
  _ body: @escaping @Sendable (PostgresSession) async throws -> T
) async throws -> T {
  try await claimingOnce(pool, tenant, key, constraints) { session, _ in try await body(session) }
}

/// The same for creates whose rows carry no request id (those keyed by a caller's code: a
/// price list, a warehouse, an account): the first answer is kept in the request log with the
/// request and returned as it was on every repeat, even once the code exists.
public func answeringOnce<Answer: SwiftProtobuf.Message>(
  _ pool: ConnectionPool,
  _ tenant: TenantID,
  _ key: RequestKey,
  _ body: @escaping @Sendable (PostgresSession) async throws -> Answer
) async throws -> Answer {
  try await claimingOnce(pool, tenant, key, []) { session, earlier in
    if let kept = earlier?.answer, let bytes = Data(base64Encoded: kept) {
      return try Answer(serializedBytes: bytes)
    }
    let answer = try await body(session)
    try await RequestLog.keep(session, key, answer: try answer.serializedBytes())
    return answer
  }
}

private func claimingOnce<T: Sendable>(
  _ pool: ConnectionPool,
  _ tenant: TenantID,
  _ key: RequestKey,
  _ constraints: Set<String>,
  _ body: @escaping @Sendable (PostgresSession, RequestLog.Earlier?) async throws -> T
) async throws -> T {
  for _ in 0..<3 {
    do {
      return try await pool.withTenant(tenant) { session in
        let earlier = try await RequestLog.claim(session, key)
        return try await body(session, earlier)
      }
    } catch let error as PostgresError
      where error.sqlState == "23505"
      && (error.constraint == RequestLog.constraint || constraints.contains(error.constraint ?? ""))
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

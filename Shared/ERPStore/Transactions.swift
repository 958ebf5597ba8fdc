extension ConnectionPool {
  public enum Isolation: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
  }

  /// Runs `body` in one transaction, committed when it returns and rolled back when it throws.
  /// Serialization failures and deadlocks run the whole transaction again (with a short
  /// jittered pause), up to `maxAttempts`; then the call fails with
  /// ``StoreError/Kind/conflictsExhausted`` (ABORTED, which clients may retry). `body` must
  /// therefore be safe to run more than once (it only talks to the database).
  @discardableResult
  public func withTransaction<T: Sendable>(
    isolation: Isolation = .readCommitted,
    maxAttempts: Int = 5,
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    var begin: [(sql: String, parameters: [String?])] = [
      ("BEGIN ISOLATION LEVEL \(isolation.rawValue)", [])
    ]
    if let timeout = try StatementDeadline.remainingMilliseconds() {
      begin.append((Self.limitStatements, [timeout]))
    }
    return try await self.transaction(begin: begin, maxAttempts: maxAttempts, body)
  }

  /// Like ``withTransaction(isolation:maxAttempts:_:)``, inside a tenant: the transaction begins
  /// with `SET LOCAL ROLE` to the tenant's role and `SET LOCAL search_path` to its schema, in the
  /// same round trip as `BEGIN`. Both are transaction-scoped, so a pooled connection never
  /// carries a tenant into the next transaction (and PgBouncer in transaction mode stays safe).
  @discardableResult
  public func withTenant<T: Sendable>(
    _ tenant: TenantID,
    isolation: Isolation = .readCommitted,
    maxAttempts: Int = 5,
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    try await self.transaction(
      begin: [("BEGIN ISOLATION LEVEL \(isolation.rawValue)", []), try Self.enter(tenant)],
      tenant: tenant,
      maxAttempts: maxAttempts,
      body
    )
  }

  /// One statement in a tenant's transaction, in one round trip: entering the tenant and the
  /// statement go out as one pipeline, which PostgreSQL runs as one implicit transaction ending
  /// at the pipeline's sync point. The tenant is entered with
  /// `set_config(…, true)`, the function form of `SET LOCAL`, so role and search_path revert when
  /// that transaction ends, committed or not. The fast path for the single reads (and
  /// single-statement writes) most calls are: `withTenant` costs three round trips for the same.
  /// Retries serialization failures and deadlocks like `withTransaction`.
  @discardableResult
  public func tenantQuery(
    _ tenant: TenantID,
    _ sql: String,
    _ parameters: [(any PostgresEncodable)?] = [],
    maxAttempts: Int = 5
  ) async throws -> [PostgresRow] {
    try PostgresSession.refuseRoleChanges(sql)
    try Self.refuseSessionChanges(sql)
    let batch: [(sql: String, parameters: [String?])] = [
      try Self.enter(tenant), (sql, parameters.map { $0?.postgresText }),
    ]
    return try await self.retryingConflicts(maxAttempts: maxAttempts) {
      try await self.withSession(tenant: tenant) { session in
        try await session.pipelineTrusted(batch)[1]
      }
    }
  }

  /// tenantQuery runs one statement with no session reset after it (the tenant's role and
  /// search_path are transaction-local and end with the implicit transaction), so it refuses
  /// the statements that could leave a session-level setting behind.
  static func refuseSessionChanges(_ sql: String) throws(PostgresError) {
    let lowered = sql.lowercased()
    let first = lowered.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).first ?? ""
    guard lowered.contains("set_config") || ["set", "reset", "discard", "load"].contains(first)
    else { return }
    throw PostgresError(
      kind: .server,
      sqlState: "42501",
      message: "session settings cannot be changed in a single-statement tenant query"
    )
  }

  /// `SET LOCAL ROLE $1; SET LOCAL search_path TO $2` as one parameterized statement.
  static let enterTenant =
    "SELECT set_config('role', $1, true), set_config('search_path', $2, true)"

  /// The same and `SET LOCAL statement_timeout = $3` (milliseconds), under a call's deadline.
  static let enterTenantWithin =
    "SELECT set_config('role', $1, true), set_config('search_path', $2, true), "
    + "set_config('statement_timeout', $3, true)"

  /// `SET LOCAL statement_timeout = $1` (milliseconds), for transactions outside a tenant.
  static let limitStatements = "SELECT set_config('statement_timeout', $1, true)"

  /// The statement entering `tenant`, with the call's remaining time as `statement_timeout`
  /// when there is a deadline (``StatementDeadline``): one statement either way.
  static func enter(_ tenant: TenantID) throws -> (sql: String, parameters: [String?]) {
    let settings: [String?] = [tenant.role, "\"\(tenant.schema)\""]
    guard let timeout = try StatementDeadline.remainingMilliseconds() else {
      return (Self.enterTenant, settings)
    }
    return (Self.enterTenantWithin, settings + [timeout])
  }

  /// Sent in the same round trip as COMMIT or ROLLBACK: whatever session-level setting a
  /// transaction made (a `SET` without `LOCAL`) never reaches the next user of the connection.
  /// (Sessions start in UTC, see `PostgresConnection.init`, so this also restores the time zone.)
  static let resetSession = "RESET ALL"

  /// Begins with `begin` (one pipeline of prepared statements: one round trip, no parsing after
  /// a connection's first use), runs `body`, then COMMIT and the session reset in one more.
  /// Traced, each attempt is one span (``SQLSpan/transaction(_:tenant:_:_:)``) with the body's
  /// statements as its children: BEGIN, entering the tenant, COMMIT and the reset are the
  /// transaction's own work, not statements of their own.
  func transaction<T: Sendable>(
    begin: [(sql: String, parameters: [String?])],
    tenant: TenantID? = nil,
    maxAttempts: Int,
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    try await self.retryingConflicts(maxAttempts: maxAttempts) {
      try await self.withSession(tenant: tenant) { session in
        try await SQLSpan.transaction(begin.map(\.sql), tenant: tenant, session.tracer) {
          let own = session.untraced
          try await own.pipelineTrusted(begin)
          do {
            let result = try await body(session)
            try await own.pipelineTrusted([("COMMIT", []), (Self.resetSession, [])])
            return result
          } catch {
            try? await own.execute("ROLLBACK; \(Self.resetSession)")
            throw error
          }
        }
      }
    }
  }

  /// Runs `attempt` again (after a short jittered pause) when it fails with a serialization
  /// failure or deadlock, up to `maxAttempts` times; then the call fails with
  /// ``StoreError/Kind/conflictsExhausted`` (ABORTED, which clients may retry). The one retry
  /// policy of every transaction and tenant query.
  func retryingConflicts<T: Sendable>(
    maxAttempts: Int,
    _ attempt: () async throws -> T
  ) async throws -> T {
    var tries = 1
    while true {
      do {
        return try await attempt()
      } catch let error as PostgresError where error.isRetryable {
        guard tries < maxAttempts else {
          throw StoreError(
            .conflictsExhausted,
            "conflicting concurrent updates; retry the request",
            cause: error
          )
        }
        tries += 1
        try await Task.sleep(for: .milliseconds(Int64.random(in: 1...(5 * Int64(tries)))))
      }
    }
  }
}

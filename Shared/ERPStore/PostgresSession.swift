import NIOPosix

/// A connection held by one task, with async calls that run on the pool's threads. A call whose
/// task is cancelled while its statement runs cancels the statement on the server (`PQcancel`)
/// and fails with ``StoreError/Kind/cancelled``; a task already cancelled sends nothing more (so a cancelled task's
/// connection is closed rather than reused: see ``ConnectionPool``).
public struct PostgresSession: Sendable {
  let connection: PostgresConnection
  let threads: NIOThreadPool
  /// Where each statement's span goes (``SQLSpan``), and the tenant it names.
  var tracer: ServiceTracer = .off
  var tenant: TenantID?

  /// Runs one parameterized statement and returns its rows.
  @discardableResult
  public func query(
    _ sql: String,
    _ parameters: [(any PostgresEncodable)?] = []
  ) async throws
    -> [PostgresRow]
  {
    try Self.refuseRoleChanges(sql)
    let texts = parameters.map { $0?.postgresText }
    try PostgresError.refuseNUL(in: texts)
    let connection = self.connection
    return try await self.traced([sql]) { try await self.run { try connection.query(sql, texts) } }
  }

  /// Runs several parameterized statements in one round trip (libpq pipeline mode) and returns
  /// each one's rows, in order. They run in order; the first failure is thrown and the rest are
  /// skipped. Inside a transaction a failure aborts the transaction as usual.
  @discardableResult
  public func pipeline(_ statements: [PostgresStatement]) async throws -> [[PostgresRow]] {
    for statement in statements { try Self.refuseRoleChanges(statement.sql) }
    let batch = statements.map { ($0.sql, $0.parameters.map { $0?.postgresText }) }
    for (_, texts) in batch { try PostgresError.refuseNUL(in: texts) }
    return try await self.pipelineTrusted(batch)
  }

  /// The same without the role check, for the store's own fixed statements.
  @discardableResult
  func pipelineTrusted(
    _ batch: [(sql: String, parameters: [String?])]
  ) async throws
    -> [[PostgresRow]]
  {
    let connection = self.connection
    return try await self.traced(batch.map(\.sql)) {
      try await self.run { try connection.pipeline(batch) }
    }
  }

  /// Runs fixed statements (no parameters) in one round trip.
  func execute(_ sql: String) async throws {
    let connection = self.connection
    try await self.traced([sql]) { try await self.run { try connection.execute(sql) } }
  }

  /// The same connection with no spans: for the transaction's own statements (BEGIN, COMMIT),
  /// which its span covers.
  var untraced: PostgresSession {
    var session = self
    session.tracer = .off
    return session
  }

  /// Runs `body` in the span of `statements` when tracing is on (``SQLSpan``).
  private func traced<T>(
    _ statements: @autoclosure () -> [String],
    _ body: () async throws -> T
  ) async throws -> T {
    guard self.tracer.isOn else { return try await body() }
    return try await SQLSpan.run(statements(), tenant: self.tenant, self.tracer, body)
  }

  /// Runs `work` on a pool thread, cancelling the server's statement if the task is cancelled
  /// meanwhile. The blocked thread returns as soon as the server has cancelled.
  private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let connection = self.connection
    guard !Task.isCancelled else {
      connection.markCancelled()
      throw StoreError.cancelled()
    }
    do {
      return try await withTaskCancellationHandler {
        try await self.threads.runIfActive(work)
      } onCancel: {
        connection.requestCancel()
      }
    } catch let error as PostgresError where error.sqlState == "57014" && Task.isCancelled {
      throw StoreError.cancelled(cause: error)
    }
  }

  /// What a role change looks like, as runs of whole words: `SET ROLE x`, `SET LOCAL ROLE x`,
  /// `RESET ROLE`, `SET SESSION AUTHORIZATION`, `set_config('role', …)` — not `SET roles = …` (a
  /// column named `roles`). Words, not a regular expression: the staff session's own query names
  /// `roles` and meets this check on every staff call (and `Regex` is not `Sendable`, so it could
  /// not be built once and shared).
  static let roleChanges: [[Substring]] = [
    ["set", "role"], ["set", "local", "role"], ["set", "session", "role"], ["reset", "role"],
    ["session", "authorization"], ["set_config", "role"],
  ]

  /// A tenant's transaction runs as the tenant's role, but PostgreSQL lets the connection's login
  /// switch to any role it may use, another tenant's included. Service code has no reason to
  /// change roles, so statements that would (``roleChanges``) are refused here, before they reach
  /// the server.
  static func refuseRoleChanges(_ sql: String) throws(PostgresError) {
    let lowered = sql.lowercased()
    guard lowered.contains("role") || lowered.contains("authorization") else { return }
    let words = lowered.split { !($0.isLetter || $0.isNumber || $0 == "_") }
    let changes = words.indices.contains { start in
      Self.roleChanges.contains { change in words[start...].starts(with: change) }
    }
    guard changes else { return }
    throw PostgresError(
      kind: .server,
      sqlState: "42501",
      message: "changing the role or session authorization is not allowed in service SQL"
    )
  }
}

/// One statement of a pipeline: SQL with `$1`, `$2`… and its parameters.
public struct PostgresStatement: Sendable {
  public var sql: String
  public var parameters: [(any PostgresEncodable)?]

  public init(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) {
    self.sql = sql
    self.parameters = parameters
  }
}

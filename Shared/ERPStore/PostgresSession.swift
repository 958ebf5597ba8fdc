import NIOPosix

/// A connection held by one task, with async calls that run on the pool's threads.
public struct PostgresSession: Sendable {
  let connection: PostgresConnection
  let threads: NIOThreadPool

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
    let connection = self.connection
    return try await self.threads.runIfActive { try connection.query(sql, texts) }
  }

  /// Runs fixed statements (no parameters) in one round trip.
  func execute(_ sql: String) async throws {
    let connection = self.connection
    try await self.threads.runIfActive { try connection.execute(sql) }
  }

  /// A tenant's transaction runs as the tenant's role, but PostgreSQL lets the connection's login
  /// switch to any role it may use, another tenant's included. Service code has no reason to
  /// change roles, so statements that would are refused here, before they reach the server.
  static func refuseRoleChanges(_ sql: String) throws(PostgresError) {
    let lowered = sql.lowercased()
    guard lowered.contains("role") || lowered.contains("authorization") else { return }
    let collapsed = lowered.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    for forbidden in [
      "set role", "reset role", "set local role", "set session role",
      "session authorization", "set_config('role'", "set_config( 'role'",
    ]
    where collapsed.contains(forbidden) {
      throw PostgresError(
        kind: .server,
        sqlState: "42501",
        message: "changing the role or session authorization is not allowed in service SQL"
      )
    }
  }
}

public import ERPStore

/// Whether a statement whose text contains `tag` is running on the server, from
/// `pg_stat_activity`: how a test checks that a statement was cancelled, not merely abandoned.
public func isRunning(_ tag: String, on observer: ConnectionPool) async throws -> Bool {
  try await observer.withSession { session in
    try await session.query(
      """
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()
      """,
      [tag]
    )[0].decode("n", as: Int.self) > 0
  }
}

/// Holds the only connection of a pool of one until `release` is finished; returns once held.
public func holdingOnlyConnection(
  _ pool: ConnectionPool
) async throws -> (release: AsyncStream<Void>.Continuation, holder: Task<Void, any Error>) {
  let release = AsyncStream<Void>.makeStream()
  let holding = Counter()
  let holder = Task {
    try await pool.withSession { _ in
      await holding.increment()
      for await _ in release.stream { break }
    }
  }
  while await holding.value == 0 { try await Task.sleep(for: .milliseconds(5)) }
  return (release.continuation, holder)
}

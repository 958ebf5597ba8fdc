import ERPStore

/// Runs handler work and turns database errors into the status a caller should see (the
/// mapping is `PostgresError.rpcError`: no SQL ever reaches a partner). Every handler that talks
/// to the store wraps its work in this.
public func mappingStoreErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let error as PostgresError {
    throw error.rpcError
  }
}

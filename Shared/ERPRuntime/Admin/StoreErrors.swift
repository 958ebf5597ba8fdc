public import ERPStore

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

/// A handler's work in the calling tenant (from the tenant interceptor), with store errors
/// mapped, and the outbox keys it writes noted for ``OutboxRelay/deliverWritten(_:)``: the
/// frame every tenant-scoped handler of every service runs in.
public func inCallingTenant<T: Sendable>(_ body: (TenantID) async throws -> T) async throws -> T {
  let tenant = try RequestContext.requireTenant()
  return try await Outbox.$written.withValue(WrittenKeys()) {
    try await mappingStoreErrors { try await body(tenant) }
  }
}

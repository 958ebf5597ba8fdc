public import ERPStore
public import GRPCCore

/// The status a caller sees for a store failure: the one mapping from the store's errors
/// (``StoreError``, and the server's own, ``PostgresError``) to RPC statuses. The store knows
/// nothing of RPC; everything in the runtime that turns handler errors into statuses comes here
/// (``mappingStoreErrors(_:)``, the tenant interceptor, and GRPCCore itself through
/// `RPCErrorConvertible` for a store error that escapes a handler unmapped).
public enum StoreErrorMapping {
  /// The status for `error` when it is a store error, else nil. A server error's message never
  /// carries SQL text or a constraint's name (a handler that knows what a constraint means says
  /// so itself, from `PostgresError.constraint`); anything unexpected is INTERNAL with a generic
  /// message. A ``StoreError``'s message is already fit for a caller and passes through.
  public static func rpcError(for error: any Error) -> RPCError? {
    switch error {
    case let error as StoreError:
      return RPCError(code: Self.code(of: error.kind), message: error.message, cause: error)
    case let error as PostgresError:
      let (code, message) = Self.status(of: error)
      return RPCError(code: code, message: message)
    default:
      return nil
    }
  }

  private static func code(of kind: StoreError.Kind) -> RPCError.Code {
    switch kind {
    case .poolShutDown, .acquireTimeout, .databaseUnavailable: .unavailable
    case .cancelled: .cancelled
    case .deadlinePassed: .deadlineExceeded
    case .conflictsExhausted: .aborted
    case .invalidTenantID: .invalidArgument
    case .tenantNotProvisioned: .notFound
    case .confirmationRequired: .failedPrecondition
    }
  }

  private static func status(of error: PostgresError) -> (RPCError.Code, String) {
    let unavailable = "the database is unavailable; retry later"
    switch (error.kind, error.sqlState) {
    case (.connection, _):
      return (.unavailable, unavailable)
    case (_, "23505"?):
      return (.alreadyExists, "already exists")
    case (_, "23503"?), (_, "23514"?), (_, "23502"?), (_, "23P01"?):
      return (.failedPrecondition, "violates a data rule")
    case (_, "22021"?):
      return (.invalidArgument, "a text value contains a NUL byte")
    case (_, "40001"?), (_, "40P01"?):
      return (.aborted, "conflicting concurrent update; retry")
    case (_, "42501"?):
      return (.permissionDenied, "permission denied")
    case (_, "57014"?):
      return (.deadlineExceeded, "the database work ran past the call's deadline")
    case (_, let state?) where state.hasPrefix("08") || state.hasPrefix("57P"):
      return (.unavailable, unavailable)
    default:
      return (.internalError, "internal database error")
    }
  }
}

extension PostgresError {
  /// The status a partner sees (``StoreErrorMapping``), for handlers that map a server error
  /// they caught themselves.
  public var rpcError: RPCError { StoreErrorMapping.rpcError(for: self)! }
}

extension StoreError {
  /// The status a caller sees (``StoreErrorMapping``).
  public var rpcError: RPCError { StoreErrorMapping.rpcError(for: self)! }
}

// A store error that leaves a handler without passing through `mappingStoreErrors` still gets
// its status (GRPCCore converts `RPCErrorConvertible` errors), as it did when the store threw
// RPCError itself. The conformance lives here, not beside the type: the runtime is the one place
// that maps store errors, and the store does not import GRPCCore.
extension StoreError: RPCErrorConvertible {
  public var rpcErrorCode: RPCError.Code { self.rpcError.code }
  public var rpcErrorMessage: String { self.message }
}

/// Runs handler work and turns store errors into the status a caller should see
/// (``StoreErrorMapping``: no SQL ever reaches a partner). Every handler that talks to the store
/// wraps its work in this.
public func mappingStoreErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch {
    throw StoreErrorMapping.rpcError(for: error) ?? error
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

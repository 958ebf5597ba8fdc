/// A failure of the store itself: the pool, a transaction's retries, a deadline, tenancy. What
/// PostgreSQL itself reports (a SQLSTATE, a connection lost mid-statement, a value that does not
/// decode) stays a ``PostgresError``, the carrier of server errors that handlers match on by
/// SQLSTATE and constraint. The store knows nothing of RPC: the runtime maps both to the status
/// a caller sees (ERPRuntime's `StoreErrorMapping`), in one place.
///
/// `message` is already fit for a caller: it names what failed and never carries SQL, an address
/// or a constraint's name (the runtime passes it on as the status message).
public struct StoreError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// ``ConnectionPool/shutdown()`` was called: every later call fails.
    case poolShutDown
    /// No connection became free within the pool's acquisition timeout.
    case acquireTimeout
    /// No connection could be opened before the acquisition deadline (`cause`: the last
    /// attempt's error).
    case databaseUnavailable
    /// The calling task was cancelled while (or before) its statement ran.
    case cancelled
    /// The call's deadline (``StatementDeadline``) passed before its database work began.
    case deadlinePassed
    /// Serialization failures or deadlocks went on through every attempt of a transaction
    /// (`cause`: the last one).
    case conflictsExhausted
    /// A tenant id that is not a valid slug (``TenantID/init(validating:)``).
    case invalidTenantID
    /// The tenant was never provisioned in this database.
    case tenantNotProvisioned
    /// A destructive call without its confirmation (``ConnectionPool/deprovision(_:confirmation:)``).
    case confirmationRequired
  }

  public var kind: Kind
  public var message: String
  /// The server's error behind this one, when there was one.
  public var cause: PostgresError?

  public init(_ kind: Kind, _ message: String, cause: PostgresError? = nil) {
    self.kind = kind
    self.message = message
    self.cause = cause
  }

  public var description: String {
    "\(self.kind): \(self.message)" + (self.cause.map { " (\($0))" } ?? "")
  }

  static let poolShutDown = StoreError(.poolShutDown, "the database pool is shut down")

  static func cancelled(cause: PostgresError? = nil) -> StoreError {
    StoreError(.cancelled, "the call was cancelled", cause: cause)
  }
}

/// An error from PostgreSQL or from talking to it, with the SQLSTATE when the server sent one.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    /// The server answered with an error (see `sqlState`).
    case server
    /// The connection could not be made or was lost.
    case connection
    /// A value in a row could not be decoded as the requested type.
    case decoding
  }

  public var kind: Kind
  /// The five-character SQLSTATE, e.g. `23505` (unique violation).
  public var sqlState: String?
  public var message: String
  public var detail: String?
  public var constraint: String?

  public init(
    kind: Kind,
    sqlState: String? = nil,
    message: String,
    detail: String? = nil,
    constraint: String? = nil
  ) {
    self.kind = kind
    self.sqlState = sqlState
    self.message = message
    self.detail = detail
    self.constraint = constraint
  }

  public var description: String {
    "\(self.kind) \(self.sqlState ?? "-"): \(self.message)" + (self.detail.map { " (\($0))" } ?? "")
  }

  /// A prepared statement that can no longer run as prepared ("cached plan must not change
  /// result type" after a table changed shape, or one the server no longer has).
  var invalidatesPreparedStatement: Bool {
    self.sqlState == "0A000" || self.sqlState == "26000"
  }

  /// Serialization failure or deadlock: the transaction may succeed if run again.
  public var isRetryable: Bool { self.sqlState == "40001" || self.sqlState == "40P01" }

  /// libpq takes parameters as C strings, which end at the first NUL: `a\0b` would be stored as
  /// `a`, silently. Such a parameter is refused before it reaches libpq, with SQLSTATE 22021
  /// (what PostgreSQL itself says of a NUL in text), which the runtime maps to
  /// INVALID_ARGUMENT. The API validates fields first and names them; this is the backstop.
  static func refuseNUL(in parameters: [String?]) throws(PostgresError) {
    for (index, parameter) in parameters.enumerated() where parameter?.utf8.contains(0) == true {
      throw PostgresError(
        kind: .server,
        sqlState: "22021",
        message: "parameter $\(index + 1) contains a NUL byte"
      )
    }
  }
}

/// A connection-level error: the receiver answers it with a GOAWAY carrying `code` and `reason`,
/// then closes the connection. Other connections are never affected.
struct ProtocolViolation: Error, Sendable, CustomStringConvertible {
  var code: GoAwayCode
  var reason: String

  init(_ code: GoAwayCode, _ reason: String) {
    self.code = code
    self.reason = reason
  }

  var description: String { "\(self.code): \(self.reason)" }
}

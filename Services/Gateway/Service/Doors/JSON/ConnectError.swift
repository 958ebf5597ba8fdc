import GRPCCore
import HTTPTypes

/// A failed call as the Connect protocol answers it: the body `{"code","message"}` with the
/// code's name in Connect's spelling, and the HTTP status Connect's table gives that code
/// (connectrpc.com/docs/protocol, "Error Codes"): invalid_argument 400, unauthenticated 401,
/// permission_denied 403, not_found 404, already_exists and aborted 409, resource_exhausted 429,
/// canceled 499, unimplemented 501, unavailable 503, deadline_exceeded 504, the rest 400 or 500.
struct ConnectError: Error, Sendable {
  var code: RPCError.Code
  var message: String
  /// Answered with this status instead of the code's (415 for a body that is not JSON, 413 for
  /// one too large), where plain HTTP has a better word than Connect's table.
  var status: HTTPResponse.Status?

  init(_ code: RPCError.Code, _ message: String, status: HTTPResponse.Status? = nil) {
    self.code = code
    self.message = message
    self.status = status
  }

  init(_ error: RPCError) {
    self.init(error.code, error.message)
  }

  var httpStatus: HTTPResponse.Status { self.status ?? Self.status(of: self.code) }

  /// `{"code":"invalid_argument","message":"…"}`.
  var body: [UInt8] {
    Array(
      "{\"code\":\"\(Self.name(of: self.code))\",\"message\":\(JSONText.quoted(self.message))}".utf8
    )
  }

  static func name(of code: RPCError.Code) -> String {
    switch code {
    case .cancelled: "canceled"
    case .unknown: "unknown"
    case .invalidArgument: "invalid_argument"
    case .deadlineExceeded: "deadline_exceeded"
    case .notFound: "not_found"
    case .alreadyExists: "already_exists"
    case .permissionDenied: "permission_denied"
    case .resourceExhausted: "resource_exhausted"
    case .failedPrecondition: "failed_precondition"
    case .aborted: "aborted"
    case .outOfRange: "out_of_range"
    case .unimplemented: "unimplemented"
    case .internalError: "internal"
    case .unavailable: "unavailable"
    case .dataLoss: "data_loss"
    case .unauthenticated: "unauthenticated"
    default: "unknown"
    }
  }

  static func status(of code: RPCError.Code) -> HTTPResponse.Status {
    switch code {
    case .cancelled: HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
    case .invalidArgument, .failedPrecondition, .outOfRange: .badRequest
    case .deadlineExceeded: .gatewayTimeout
    case .notFound: .notFound
    case .alreadyExists, .aborted: .conflict
    case .permissionDenied: .forbidden
    case .resourceExhausted: .tooManyRequests
    case .unimplemented: .notImplemented
    case .unavailable: .serviceUnavailable
    case .unauthenticated: .unauthorized
    default: .internalServerError
    }
  }
}

/// JSON text of a string, escaped as RFC 8259 requires (quotes, backslashes, control
/// characters); everything else, Arabic included, written as it is in UTF-8.
enum JSONText {
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        out +=
          "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
          + String(scalar.value, radix: 16)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}

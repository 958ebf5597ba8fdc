import GRPCCore
import NIOCore

/// Checks the reserved headers of a request before GRPCCore reads them.
///
/// GRPCCore trusts what it parses: a `grpc-timeout` of `-1S` reaches `Timeout(decoding:)`, whose
/// precondition traps and kills the process. So every reserved header GRPCCore (or the transport)
/// interprets is checked here first, byte by byte, and a bad one ends only its own stream with a
/// status (wire spec §2.1). Only keys starting with `grpc-` are looked at, so ordinary requests pay
/// for a prefix check per entry and nothing more.
enum RequestHeaders {
  struct Refusal: Error, Equatable {
    var code: Status.Code
    var message: String
  }

  /// The longest timeout honoured; longer ones are clamped (99,999,999 hours would overflow the
  /// nanosecond clocks).
  static let maxTimeout = TimeAmount.hours(24 * 365 * 100)

  /// The request's timeout, if it has one, or why the request is refused.
  static func validate(_ metadata: Metadata) -> Result<TimeAmount?, Refusal> {
    var timeout: TimeAmount?
    for entry in metadata where entry.key.utf8.starts(with: Self.reservedPrefix) {
      switch entry.key {
      case "grpc-timeout":
        guard timeout == nil else {
          return .failure(
            Refusal(code: .invalidArgument, message: "grpc-timeout given more than once")
          )
        }
        guard case .string(let text) = entry.value, let parsed = Self.parseTimeout(text) else {
          return .failure(
            Refusal(
              code: .invalidArgument,
              message:
                "grpc-timeout must be 1 to 8 ASCII digits followed by a unit: H, M, S, m, u or n"
            )
          )
        }
        timeout = parsed
      case "grpc-previous-rpc-attempts":
        guard case .string(let text) = entry.value, Self.isCount(text) else {
          return .failure(
            Refusal(
              code: .invalidArgument,
              message: "grpc-previous-rpc-attempts must be 1 to 9 ASCII digits"
            )
          )
        }
      case "grpc-encoding":
        // Messages are never compressed on this transport (wire spec §3.3).
        guard case .string(let text) = entry.value, text == "identity" else {
          return .failure(
            Refusal(code: .unimplemented, message: "compressed requests are not supported")
          )
        }
      default:
        continue
      }
    }
    return .success(timeout)
  }

  private static let reservedPrefix = "grpc-".utf8

  /// gRPC's timeout format: 1 to 8 ASCII digits, then one unit letter. No sign, no spaces.
  static func parseTimeout(_ text: String) -> TimeAmount? {
    let bytes = text.utf8
    guard (2...9).contains(bytes.count), let unit = bytes.last else { return nil }
    var amount: Int64 = 0
    for byte in bytes.dropLast() {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      amount = amount * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    let nanosecondsPerUnit: Int64
    switch unit {
    case UInt8(ascii: "H"): nanosecondsPerUnit = 3_600_000_000_000
    case UInt8(ascii: "M"): nanosecondsPerUnit = 60_000_000_000
    case UInt8(ascii: "S"): nanosecondsPerUnit = 1_000_000_000
    case UInt8(ascii: "m"): nanosecondsPerUnit = 1_000_000
    case UInt8(ascii: "u"): nanosecondsPerUnit = 1_000
    case UInt8(ascii: "n"): nanosecondsPerUnit = 1
    default: return nil
    }
    let (nanoseconds, overflow) = amount.multipliedReportingOverflow(by: nanosecondsPerUnit)
    guard !overflow, nanoseconds <= Self.maxTimeout.nanoseconds else { return Self.maxTimeout }
    return .nanoseconds(nanoseconds)
  }

  private static func isCount(_ text: String) -> Bool {
    let bytes = text.utf8
    return (1...9).contains(bytes.count)
      && bytes.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
  }
}

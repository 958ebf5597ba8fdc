/// gRPC's `grpc-timeout` format: at most 8 digits and a unit (H, M, S, m, u, n).
enum GRPCTimeout {
  static func parse(_ text: String) -> Duration? {
    guard let unit = text.last, text.count >= 2, text.count <= 9,
      let amount = Int64(text.dropLast()), amount >= 0
    else { return nil }
    switch unit {
    case "H": return .seconds(amount * 3600)
    case "M": return .seconds(amount * 60)
    case "S": return .seconds(amount)
    case "m": return .milliseconds(amount)
    case "u": return .microseconds(amount)
    case "n": return .nanoseconds(amount)
    default: return nil
    }
  }

  /// The remaining time, in milliseconds (rounded up so a deadline never grows).
  static func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = max(
      0,
      seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    )
    return milliseconds < 100_000_000
      ? "\(milliseconds)m" : "\(min(milliseconds / 1000, 99_999_999))S"
  }
}

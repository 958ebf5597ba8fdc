import ERPStore
import GRPCCore

/// The web origins a key may be called from (CORS at the JSON door), as a browser sends them in
/// `Origin`: `scheme://host[:port]`, http or https, lower case, no path; at most
/// ``maximumCount`` per key.
enum CORSOrigins {
  static let maximumCount = 20
  static let maximumLength = 200

  /// `origins` as stored, or INVALID_ARGUMENT naming the entry at fault.
  static func validated(_ origins: [String]) throws -> [String] {
    guard origins.count <= Self.maximumCount else {
      throw RPCError(
        code: .invalidArgument,
        message: "allowed_origins: at most \(Self.maximumCount) origins"
      )
    }
    for (index, origin) in origins.enumerated() where !Self.isOrigin(origin) {
      throw RPCError(
        code: .invalidArgument,
        message: "allowed_origins[\(index)]: \(quoted(origin)) is not scheme://host[:port] "
          + "(http or https, lower case, no path)"
      )
    }
    return origins
  }

  static func isOrigin(_ origin: String) -> Bool {
    guard origin.utf8.count <= Self.maximumLength else { return false }
    let rest: Substring
    if origin.hasPrefix("https://") {
      rest = origin.dropFirst(8)
    } else if origin.hasPrefix("http://") {
      rest = origin.dropFirst(7)
    } else {
      return false
    }
    let parts = rest.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
    let host = parts[0]
    guard !host.isEmpty,
      host.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" })
    else { return false }
    if parts.count == 2 {
      guard let port = Int(parts[1]), (1...65535).contains(port), !parts[1].hasPrefix("+") else {
        return false
      }
    }
    return true
  }
}

import Crypto
import Foundation

/// The random secrets of staff accounts: session tokens (`erps_`), invitation (`erpi_`) and
/// reset (`erpr_`) tokens, each 32 random bytes in hex, and recovery codes. Each is shown once
/// and stored only as its SHA-256 (``ApiKeyDigest``): they are long and random, so a fast hash
/// is enough (unlike passwords).
enum StaffSecret {
  static let sessionPrefix = "erps_"
  static let invitationPrefix = "erpi_"
  static let resetPrefix = "erpr_"

  static func make(_ prefix: String, bytes: Int = 32) -> String {
    prefix + Self.hex(bytes: bytes)
  }

  static func hex(bytes: Int) -> String {
    var generator = SystemRandomNumberGenerator()
    let digits = Array("0123456789abcdef")
    var text = ""
    for _ in 0..<bytes {
      let byte = UInt8.random(in: 0...255, using: &generator)
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    return text
  }

  /// A presented session token's digest, or nil for what is no session token.
  static func sessionDigest(_ token: String) -> ApiKeyDigest? {
    guard token.hasPrefix(Self.sessionPrefix), token.utf8.count <= 100 else { return nil }
    return ApiKeyDigest(secret: token)
  }

  /// The SHA-256 of a recovery code, in hex (stored in a text array).
  static func recoveryDigest(_ code: String) -> String {
    SHA256.hash(data: Array(code.lowercased().utf8)).map { String(format: "%02x", $0) }.joined()
  }
}

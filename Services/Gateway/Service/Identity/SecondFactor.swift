import Foundation
import HummingbirdOTP

/// The TOTP second factor (RFC 6238 through HummingbirdOTP: SHA-1, 6 digits, 30 s steps), a code
/// of the current step or one either side accepted (clocks drift), and the 10 single-use
/// recovery codes given when it is turned on.
enum SecondFactor {
  static let recoveryCodeCount = 10
  private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

  /// A new shared secret: 20 random characters (HummingbirdOTP keys the HMAC with its UTF-8).
  static func newSecret() -> String {
    var generator = SystemRandomNumberGenerator()
    return String((0..<20).map { _ in Self.alphabet.randomElement(using: &generator)! })
  }

  static func uri(secret: String, account: String, issuer: String) -> String {
    TOTP(secret: secret).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
  }

  /// The base32 form of the secret, as the otpauth URI carries it.
  static func base32(ofURI uri: String) -> String {
    guard let query = URLComponents(string: uri)?.queryItems else { return "" }
    return query.first { $0.name == "secret" }?.value ?? ""
  }

  /// Whether `code` (six digits) is the secret's code at `date`, give or take a step.
  static func accepts(_ code: String, secret: String, at date: Date) -> Bool {
    guard code.count == 6, code.allSatisfy(\.isASCII), let value = Int(code) else { return false }
    let totp = TOTP(secret: secret)
    return [-30.0, 0, 30].contains { totp.compute(date: date.addingTimeInterval($0)) == value }
  }

  /// Ten recovery codes, `xxxxx-xxxxx` in hex.
  static func recoveryCodes() -> [String] {
    (0..<Self.recoveryCodeCount).map { _ in
      let hex = StaffSecret.hex(bytes: 5)
      return String(hex.prefix(5)) + "-" + String(hex.suffix(5))
    }
  }
}

import ERPStore
import Foundation
import GRPCCore

/// Emails and phone numbers as stored: emails lower-cased and checked, phones in E.164.
enum ContactPoints {
  static func invalid(_ field: String, _ problem: String) -> RPCError {
    RPCError(code: .invalidArgument, message: "\(field): \(problem)")
  }

  static func email(_ raw: String, field: String) throws -> String {
    let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    guard email.count <= 254, parts.count == 2, !parts[0].isEmpty,
      parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
      !email.contains(where: { $0.isWhitespace })
    else {
      throw self.invalid(field, "\(quoted(raw)) is not an email address")
    }
    return email
  }

  /// E.164 ("+966501234567") from what people type: spaces, dashes, dots and parentheses are
  /// dropped, Arabic-Indic digits read, "00" taken as "+", and a number without a country code
  /// given `defaultCallingCode` (its leading trunk 0 dropped).
  static func phone(_ raw: String, defaultCallingCode: String, field: String) throws -> String {
    var digits = ""
    var plus = false
    for (index, scalar) in SearchKey.of(raw).unicodeScalars.enumerated() {
      switch scalar {
      case "0"..."9": digits.unicodeScalars.append(scalar)
      case "+" where index == 0: plus = true
      case " ", "-", ".", "(", ")": continue
      default: throw self.invalid(field, "\(quoted(raw)) is not a phone number")
      }
    }
    var e164: String
    if plus {
      e164 = "+" + digits
    } else if digits.hasPrefix("00") {
      e164 = "+" + digits.dropFirst(2)
    } else if !defaultCallingCode.isEmpty {
      guard defaultCallingCode.allSatisfy(\.isNumber), defaultCallingCode.count <= 3 else {
        throw self.invalid("default_country_calling_code", "1 to 3 digits, e.g. \"966\"")
      }
      e164 =
        "+" + defaultCallingCode + (digits.hasPrefix("0") ? String(digits.dropFirst()) : digits)
    } else {
      throw self.invalid(
        field,
        "\(quoted(raw)) has no country code (or give default_country_calling_code)"
      )
    }
    let body = e164.dropFirst()
    guard (7...15).contains(body.count), body.first != "0" else {
      throw self.invalid(field, "\(quoted(raw)) is not a valid international number")
    }
    return e164
  }
}

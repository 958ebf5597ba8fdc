import Foundation
import GRPCCore
import SwiftProtobuf

/// The checks of what a tenant's admin types about a user: an email, a display name in Arabic or
/// Latin script, a language and an IANA time zone. Each refusal names its field and never
/// repeats the value.
enum StaffText {
  static func email(_ raw: String, field: String = "email") throws -> String {
    let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
    let parts = email.split(separator: "@", omittingEmptySubsequences: false)
    guard email.utf8.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
      !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 })
    else {
      throw RPCError(code: .invalidArgument, message: "\(field): not an email address")
    }
    return email
  }

  static func displayName(_ raw: String) throws -> String {
    let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw RPCError(code: .invalidArgument, message: "display_name: 1 to 200 characters")
    }
    guard name.unicodeScalars.allSatisfy(Self.allowedInName) else {
      throw RPCError(
        code: .invalidArgument,
        message: "display_name: Arabic or Latin letters, digits, spaces and punctuation only"
      )
    }
    return name
  }

  static func language(_ raw: String) throws -> String {
    let language = raw.isEmpty ? "en" : raw
    guard ["ar", "en"].contains(language) else {
      throw RPCError(code: .invalidArgument, message: "language: \"ar\" or \"en\"")
    }
    return language
  }

  static func timeZone(_ raw: String) throws -> String {
    let zone = raw.isEmpty ? "UTC" : raw
    guard zone.count <= 64, zone == "UTC" || TimeZone.knownTimeZoneIdentifiers.contains(zone),
      TimeZone(identifier: zone) != nil
    else {
      throw RPCError(
        code: .invalidArgument,
        message: "time_zone: not an IANA time zone name (such as \"Asia/Riyadh\")"
      )
    }
    return zone
  }

  /// Latin (Basic Latin to Latin Extended-B, Latin Extended Additional), Arabic (with its
  /// supplements and presentation forms), combining marks, general punctuation (ZWJ, ZWNJ);
  /// no control characters.
  static func allowedInName(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x20...0x7E, 0xA0...0x24F, 0x300...0x36F, 0x1E00...0x1EFF, 0x2000...0x206F: true
    case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF: true
    default: false
    }
  }

  static func timestamp(_ date: Date) -> Google_Protobuf_Timestamp {
    Google_Protobuf_Timestamp(date: date)
  }

  /// A time as SQL takes it here: seconds since the epoch (`to_timestamp($n::float8)`).
  static func epoch(_ date: Date) -> String { String(date.timeIntervalSince1970) }

  /// A time SQL answered as `extract(epoch FROM …)::float8::text`.
  static func date(_ text: String) -> Date {
    Date(timeIntervalSince1970: Double(text) ?? 0)
  }
}

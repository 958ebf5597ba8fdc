import ERPStore
import GRPCCore

/// An International Bank Account Number checked as ISO 13616 defines it: two letters of a
/// country whose IBAN length is registered, two check digits, then the country's account
/// number (letters and digits) such that the whole, with its first four characters moved to the
/// end and letters read as 10…35, leaves 1 when divided by 97. Problems are INVALID_ARGUMENT
/// naming the field, without echoing the input.
enum IBAN {
  /// The IBAN in its electronic form (upper case, no spaces), or the problem.
  static func checked(_ raw: String, field: String = "iban") throws -> String {
    let text = String(raw.uppercased().filter { $0 != " " })
    func invalid(_ problem: String) -> RPCError {
      RPCError(code: .invalidArgument, message: "\(field): \(problem)")
    }
    guard !text.isEmpty else { throw invalid("required") }
    guard text.count <= 34, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
    else { throw invalid("an IBAN is at most 34 letters and digits") }
    let country = String(text.prefix(2))
    guard let length = Self.lengths[country] else {
      throw invalid("no IBAN country \(quoted(country, limit: 2)) in the ISO 13616 registry")
    }
    guard text.count == length else {
      throw invalid("a \(country) IBAN has \(length) characters, not \(text.count)")
    }
    guard text.dropFirst(2).prefix(2).allSatisfy(\.isNumber) else {
      throw invalid("the third and fourth characters are the check digits")
    }
    guard Self.remainder(text) == 1 else {
      throw invalid("the check digits do not match (ISO 13616 mod 97)")
    }
    return text
  }

  /// The mod-97 remainder of the rearranged IBAN, digit by digit so no big integers are needed.
  static func remainder(_ iban: String) -> Int {
    let rearranged = iban.dropFirst(4) + iban.prefix(4)
    var remainder = 0
    for character in rearranged {
      guard
        let value = character.isNumber ? character.wholeNumberValue : Self.letterValue(character)
      else { return -1 }
      remainder = (value >= 10 ? remainder * 100 + value : remainder * 10 + value) % 97
    }
    return remainder
  }

  static func letterValue(_ character: Character) -> Int? {
    guard let ascii = character.asciiValue, (65...90).contains(ascii) else { return nil }
    return Int(ascii) - 55
  }

  /// IBAN lengths by country, from SWIFT's IBAN registry (the ISO 13616 registration authority).
  static let lengths: [String: Int] = {
    let registry = """
      AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27
      DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28
      IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22
      MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24
      SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30
      """
    var table: [String: Int] = [:]
    for entry in registry.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
      table[String(entry.prefix(2))] = Int(entry.dropFirst(2))!
    }
    return table
  }()
}

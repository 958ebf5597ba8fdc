import ERPMoney
import ERPStore
import Foundation

/// A bank's amounts and dates as text, read exactly: amounts into integer minor units of the
/// statement's currency (never through a floating-point number), dates by a pattern of `yyyy`,
/// `MM` and `dd`. Each returns nil on text it cannot read; the caller names the line and column.
enum StatementValues {
  /// "1,234.56", "-12.5", "+3", "1.234,56" (with `decimal` ","), in minor units of `currency`;
  /// nil when it is not a number, has more decimals than the currency or does not fit.
  static func minorUnits(_ raw: String, currency: Currency, decimal: Character = ".") -> Int64? {
    var text = Substring(raw.filter { $0 != " " && $0 != "\u{A0}" && $0 != "'" })
    let grouping: Character = decimal == "." ? "," : "."
    text = Substring(text.filter { $0 != grouping })
    var negative = false
    if let sign = text.first, sign == "-" || sign == "+" {
      negative = sign == "-"
      text = text.dropFirst()
    }
    let parts = text.split(separator: decimal, omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), !parts[0].isEmpty || parts.count == 2 else { return nil }
    let whole = parts[0]
    let fraction = parts.count == 2 ? parts[1] : ""
    guard whole.allSatisfy({ $0.isASCII && $0.isNumber }),
      fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
      !(whole.isEmpty && fraction.isEmpty), fraction.count <= currency.exponent
    else { return nil }
    let digits =
      whole + fraction + String(repeating: "0", count: currency.exponent - fraction.count)
    guard digits.count <= 18, let value = Int64(digits.isEmpty ? "0" : String(digits)) else {
      return nil
    }
    return negative ? -value : value
  }

  /// A date by `pattern` ("yyyy-MM-dd", "dd/MM/yyyy", "yyyyMMdd"…): each of yyyy, MM and dd once,
  /// anything else literal. Nil when the text does not follow it or is not a real date.
  static func date(_ text: String, pattern: String) -> CalendarDate? {
    var year: Int?
    var month: Int?
    var day: Int?
    var rest = Substring(text.trimmingCharacters(in: .whitespaces))
    var format = Substring(pattern)
    tokens: while !format.isEmpty {
      for (token, width) in [("yyyy", 4), ("MM", 2), ("dd", 2)] where format.hasPrefix(token) {
        let digits = rest.prefix(width)
        guard digits.count == width, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
          return nil
        }
        switch token {
        case "yyyy": year = Int(digits)
        case "MM": month = Int(digits)
        default: day = Int(digits)
        }
        rest = rest.dropFirst(width)
        format = format.dropFirst(token.count)
        continue tokens
      }
      guard rest.first == format.first else { return nil }
      rest = rest.dropFirst()
      format = format.dropFirst()
    }
    guard rest.isEmpty, let year, let month, let day, (1900...9999).contains(year),
      (1...12).contains(month), (1...CalendarDate.days(inYear: year, month: month)).contains(day)
    else { return nil }
    return CalendarDate(year: year, month: month, day: day)
  }

  /// Whether `pattern` names each of yyyy, MM and dd exactly once.
  static func isDatePattern(_ pattern: String) -> Bool {
    ["yyyy", "MM", "dd"].allSatisfy { pattern.components(separatedBy: $0).count == 2 }
      && pattern.count <= 20
  }

  /// Days since 1970-01-01 (Howard Hinnant's days-from-civil), for date windows.
  static func dayNumber(_ date: CalendarDate) -> Int {
    let year = date.month <= 2 ? date.year - 1 : date.year
    let era = (year >= 0 ? year : year - 399) / 400
    let yearOfEra = year - era * 400
    let dayOfYear = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }
}

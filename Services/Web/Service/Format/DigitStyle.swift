/// How numbers are written: Latin digits (0–9) or Arabic-Indic digits (٠–٩), a choice each
/// user makes whatever their language (many Arabic readers prefer Latin digits in accounts).
public enum DigitStyle: String, Sendable, CaseIterable {
  case latin
  case arabicIndic = "arabic-indic"

  /// `number` (digits, `.` as the decimal separator, `,` as the group separator, an optional
  /// leading `-`) in this style. Arabic-Indic numbers use the Arabic decimal separator (U+066B)
  /// and group separator (U+066C), so that a reader never meets a Latin comma between Arabic
  /// digits.
  public func render(_ number: String) -> String {
    guard self == .arabicIndic else { return number }
    var out = ""
    out.unicodeScalars.reserveCapacity(number.unicodeScalars.count)
    for scalar in number.unicodeScalars {
      switch scalar {
      case "0"..."9":
        out.unicodeScalars.append(Unicode.Scalar(0x0660 + scalar.value - 0x30)!)
      case ".": out.unicodeScalars.append("\u{066B}")
      case ",": out.unicodeScalars.append("\u{066C}")
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out
  }
}

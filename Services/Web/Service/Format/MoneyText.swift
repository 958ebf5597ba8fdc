import ERPMoney

/// Money as a person reads it: integer minor units shown with the currency's ISO 4217 exponent
/// (KWD three decimals, JPY none), grouped by thousands, in the user's digits, followed by the
/// currency code. Never through a floating-point number.
public struct MoneyText: Sendable {
  public var digits: DigitStyle

  public init(digits: DigitStyle) {
    self.digits = digits
  }

  /// `minor` units of `currency`: 1234567 KWD is "1,234.567 KWD" (or "١٬٢٣٤٫٥٦٧ KWD").
  public func format(_ minor: Int64, _ currency: Currency) -> String {
    self.number(minor, currency) + " " + currency.code
  }

  /// The amount without its code, for table cells whose column names the currency.
  public func number(_ minor: Int64, _ currency: Currency) -> String {
    let plain = currency.decimal(minor)
    let negative = plain.hasPrefix("-")
    let unsigned = negative ? plain.dropFirst() : Substring(plain)
    let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    let whole = Self.grouped(parts[0])
    let text = parts.count == 2 ? whole + "." + parts[1] : whole
    return self.digits.render((negative ? "-" : "") + text)
  }

  /// A plain count (quantities, numbers of records) grouped and in the user's digits.
  public func count(_ value: Int64) -> String {
    let plain = String(value.magnitude)
    return self.digits.render((value < 0 ? "-" : "") + Self.grouped(Substring(plain)))
  }

  static func grouped(_ digits: Substring) -> String {
    var groups: [Substring] = []
    var end = digits.endIndex
    while end > digits.startIndex {
      let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
      groups.append(digits[start..<end])
      end = start
    }
    return groups.reversed().joined(separator: ",")
  }
}

extension Currency {
  /// Integer minor units as a plain decimal string with the currency's exponent, as files for
  /// authorities and banks write amounts: 100000 SAR is "1000.00", 1500 KWD "1.500", 7 JPY "7",
  /// -5 SAR "-0.05". No grouping, no currency code.
  public func decimal(_ minor: Int64) -> String {
    let sign = minor < 0 ? "-" : ""
    let digits = String(minor.magnitude)
    guard self.exponent > 0 else { return sign + digits }
    let padded = String(repeating: "0", count: max(0, self.exponent + 1 - digits.count)) + digits
    let split = padded.index(padded.endIndex, offsetBy: -self.exponent)
    return sign + padded[..<split] + "." + padded[split...]
  }
}

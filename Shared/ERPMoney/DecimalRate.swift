/// An exchange rate as an exact decimal (`mantissa / 10^scale`), parsed from text such as "3.75".
/// Rates never pass through a floating-point number.
///
/// The arithmetic is done on pairs of 64-bit words (`multipliedFullWidth`, `dividingFullWidth`)
/// rather than Swift's `Int128`: dividing `Int128` calls into compiler-rt, and on Linux with
/// Swift 6.3 that call crashed on SwiftNIO's threads (a jump to address 2), while it passed on
/// the test's own thread.
public struct DecimalRate: Sendable, Hashable, CustomStringConvertible {
  public let mantissa: UInt64
  public let scale: Int

  public static let maximumScale = 10
  /// Whole digits allowed: 8 (up to 99,999,999 units of one currency per unit of another), so
  /// that the mantissa always fits in 64 bits.
  public static let maximumWholeDigits = 8

  /// Parses a positive decimal with at most 8 whole digits and 10 decimal places.
  public init?(_ text: String) {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty else { return nil }
    let fraction = parts.count == 2 ? parts[1] : ""
    guard parts.count == 1 || !fraction.isEmpty, fraction.count <= Self.maximumScale else {
      return nil
    }
    let digits = String(whole) + String(fraction)
    guard digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
      return nil
    }
    let significantWhole = whole.drop { $0 == "0" }
    guard significantWhole.count <= Self.maximumWholeDigits,
      let mantissa = UInt64(digits), mantissa > 0
    else { return nil }
    self.mantissa = mantissa
    self.scale = fraction.count
  }

  /// The canonical text: trailing zeros of the fraction removed ("3.75", "1").
  public var description: String {
    var digits = String(self.mantissa)
    if digits.count <= self.scale {
      digits = String(repeating: "0", count: self.scale - digits.count + 1) + digits
    }
    guard self.scale > 0 else { return digits }
    let whole = String(digits.dropLast(self.scale))
    var fraction = String(digits.suffix(self.scale))
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return fraction.isEmpty ? whole : whole + "." + fraction
  }

  /// Converts `amountMinor` of `from` into minor units of `to` at this rate (units of `to` per
  /// unit of `from`), rounding half away from zero, as accountants do. Exact: the product is
  /// formed in 128 bits; nil if the result does not fit in 64 bits.
  public func convert(_ amountMinor: Int64, from: Currency, to: Currency) -> Int64? {
    // |result| = |amount| × mantissa × 10^(to.exponent − from.exponent) / 10^scale
    var value = Wide(amountMinor.magnitude).times(self.mantissa)
    var divisorDigits = self.scale
    let shift = to.exponent - from.exponent
    if shift >= 0 {
      for _ in 0..<shift {
        guard let shifted = value?.times(10) else { return nil }
        value = shifted
      }
    } else {
      divisorDigits -= shift
    }
    guard let value else { return nil }
    var divisor: UInt64 = 1
    for _ in 0..<divisorDigits { divisor *= 10 }  // at most 10^14
    guard let (quotient, remainder) = value.divided(by: divisor) else { return nil }
    var magnitude = quotient
    if remainder >= divisor - remainder { magnitude += 1 }  // remainder ≥ divisor / 2
    if amountMinor < 0 {
      guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
      return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
    }
    guard magnitude <= UInt64(Int64.max) else { return nil }
    return Int64(magnitude)
  }
}

/// An unsigned 128-bit value as two 64-bit words, with just the operations conversion needs.
struct Wide {
  var high: UInt64
  var low: UInt64

  init(_ value: UInt64) {
    self.high = 0
    self.low = value
  }

  init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  /// self × factor, or nil when the product needs more than 128 bits.
  func times(_ factor: UInt64) -> Wide? {
    let low = self.low.multipliedFullWidth(by: factor)
    let high = self.high.multipliedFullWidth(by: factor)
    guard high.high == 0 else { return nil }
    let (sum, overflow) = high.low.addingReportingOverflow(low.high)
    guard !overflow else { return nil }
    return Wide(high: sum, low: low.low)
  }

  /// (self / divisor, self % divisor) when the quotient fits in 64 bits.
  func divided(by divisor: UInt64) -> (UInt64, UInt64)? {
    guard self.high < divisor else { return nil }
    return divisor.dividingFullWidth((self.high, self.low))
  }
}

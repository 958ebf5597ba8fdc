/// The value of a line: quantity (in thousandths of a unit) × price per unit, rounded half away
/// from zero to the minor unit. Finance prices invoice and bill lines by it and the supply chain
/// values received stock by it, so a receipt's stock value and its bill agree to the unit.
public enum LineAmount {
  /// nil when the product does not fit in 64 bits.
  public static func value(quantityMilli: Int64, unitMinor: Int64) -> Int64? {
    let (product, overflow) = quantityMilli.multipliedReportingOverflow(by: unitMinor)
    guard !overflow else { return nil }
    let (quotient, remainder) = product.quotientAndRemainder(dividingBy: 1000)
    return quotient + (abs(remainder) >= 500 ? (product < 0 ? -1 : 1) : 0)
  }
}

/// Quantities in thousandths of a unit (`quantity_milli` in every contract), written as a
/// person writes them in messages and descriptions: 2500 → "2.5", 1000 → "1", -250 → "-0.25".
public enum MilliQuantity {
  public static func text(_ milli: Int64) -> String {
    let whole = milli / 1000
    var fraction = String(abs(milli % 1000))
    guard fraction != "0" else { return String(whole) }
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return (milli < 0 && whole == 0 ? "-" : "") + "\(whole).\(fraction)"
  }
}

/// value × part ÷ whole, rounded half up, for non-negative value and part and positive whole,
/// through a 128-bit product: prorating a salary by days, valuing part of a stock line, invoicing
/// part of an order line. (Not Int128 division: it traps on some threads here.)
public enum Proportion {
  public static func of(_ value: Int64, _ part: Int64, over whole: Int64) -> Int64 {
    let product = value.multipliedFullWidth(by: part)
    let (quotient, remainder) = whole.dividingFullWidth((product.high, product.low))
    return remainder * 2 >= whole ? quotient + 1 : quotient
  }
}

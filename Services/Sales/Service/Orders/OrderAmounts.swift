import ERPMoney

/// What a line comes to, the documented rule: gross = quantity × price (half away from zero);
/// less the line discount, then less the order discount, each a proportion rounded half up;
/// tax = net × rate rounded half up (finance's rule, so the invoice it issues agrees). The
/// order's totals are the sums of its lines.
enum OrderAmounts {
  static func line(
    quantityMilli: Int64,
    unitPriceMinor: Int64,
    discountBP: Int,
    orderDiscountBP: Int,
    taxBP: Int
  ) -> (net: Int64, tax: Int64)? {
    guard let gross = LineAmount.value(quantityMilli: quantityMilli, unitMinor: unitPriceMinor)
    else { return nil }
    let afterLine = gross - Proportion.of(gross, Int64(discountBP), over: 10_000)
    let net = afterLine - Proportion.of(afterLine, Int64(orderDiscountBP), over: 10_000)
    return (net, Proportion.of(net, Int64(taxBP), over: 10_000))
  }

  /// The share of a line's net for `part` of its quantity, when `done` of it was already
  /// counted at `doneNet`: the last part takes what is left, so the parts add up to the net.
  static func share(net: Int64, quantity: Int64, part: Int64, done: Int64, doneNet: Int64) -> Int64
  {
    done + part >= quantity ? net - doneNet : Proportion.of(net, part, over: quantity)
  }
}

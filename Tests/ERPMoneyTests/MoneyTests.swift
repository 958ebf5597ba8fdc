import ERPMoney
import Testing

@Suite("Currencies and exact exchange rates")
struct MoneyTests {
  @Test("ISO 4217 exponents: KWD 3, JPY 0, USD 2; unknown codes refused")
  func exponents() {
    #expect(Currency(code: "KWD")?.exponent == 3)
    #expect(Currency(code: "JPY")?.exponent == 0)
    #expect(Currency(code: "USD")?.exponent == 2)
    #expect(Currency(code: "SAR")?.exponent == 2)
    #expect(Currency(code: "XXX") == nil)
    #expect(Currency(code: "usd") == nil)
  }

  @Test("rates parse as exact decimals; malformed ones are refused")
  func parsing() {
    #expect(DecimalRate("3.75")?.description == "3.75")
    #expect(DecimalRate("3.7500000000")?.description == "3.75")
    #expect(DecimalRate("0.00205")?.description == "0.00205")
    #expect(DecimalRate("12")?.description == "12")
    #expect(DecimalRate("99999999.0000000001")?.description == "99999999.0000000001")
    for bad in [
      "", "0", "-1", "1e3", "3,75", "3.", ".5", "1.12345678901", "abc", "٣.٧٥", "123456789",
    ] {
      #expect(DecimalRate(bad) == nil, "\(bad)")
    }
  }

  @Test("conversion between exponents rounds half away from zero, exactly")
  func conversion() throws {
    let usd = Currency(code: "USD")!
    let kwd = Currency(code: "KWD")!
    let jpy = Currency(code: "JPY")!
    let rate = try #require(DecimalRate("0.30712"))
    // 100.00 USD × 0.30712 = 30.712 KWD.
    #expect(rate.convert(100_00, from: usd, to: kwd) == 30_712)
    #expect(rate.convert(-100_00, from: usd, to: kwd) == -30_712)
    // 333 JPY × 0.00205 = 0.68265 KWD → 0.683; negative rounds away from zero too.
    let yen = try #require(DecimalRate("0.00205"))
    #expect(yen.convert(333, from: jpy, to: kwd) == 683)
    #expect(yen.convert(-333, from: jpy, to: kwd) == -683)
    // KWD → JPY at 487.8: 1.000 KWD = 488 JPY (487.8 rounded).
    let toYen = try #require(DecimalRate("487.8"))
    #expect(toYen.convert(1_000, from: kwd, to: jpy) == 488)
    // Large amounts stay exact; overflow of 64 bits is reported, not wrapped.
    #expect(toYen.convert(Int64.max / 2, from: usd, to: jpy) == nil)
    #expect(DecimalRate("1")!.convert(Int64.max, from: usd, to: usd) == Int64.max)
    #expect(DecimalRate("1")!.convert(Int64.min, from: usd, to: usd) == Int64.min)
    // 0.5 minor units round away from zero both ways.
    #expect(DecimalRate("0.5")!.convert(1, from: usd, to: usd) == 1)
    #expect(DecimalRate("0.5")!.convert(-1, from: usd, to: usd) == -1)
    #expect(DecimalRate("0.4")!.convert(1, from: usd, to: usd) == 0)
  }

  @Test("A line's value: quantity × price, half away from zero; overflow is nil")
  func lineAmounts() {
    #expect(LineAmount.value(quantityMilli: 2_500, unitMinor: 333) == 833)  // 832.5
    #expect(LineAmount.value(quantityMilli: 2_500, unitMinor: 331) == 828)  // 827.5
    #expect(LineAmount.value(quantityMilli: 1_400, unitMinor: 1) == 1)  // 1.4
    #expect(LineAmount.value(quantityMilli: -2_500, unitMinor: 333) == -833)
    #expect(LineAmount.value(quantityMilli: Int64.max / 2, unitMinor: 3) == nil)
  }
}

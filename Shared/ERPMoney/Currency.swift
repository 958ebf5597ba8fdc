/// An ISO 4217 currency and its exponent: the number of decimal places of its minor unit
/// (KWD 3, USD 2, JPY 0). Amounts everywhere are integers in minor units of their currency.
public struct Currency: Sendable, Hashable, CustomStringConvertible {
  public let code: String
  public let exponent: Int

  public var description: String { self.code }

  /// The currency with `code`, or nil when it is not an active ISO 4217 currency we know.
  public init?(code: String) {
    guard let exponent = Self.exponents[code] else { return nil }
    self.code = code
    self.exponent = exponent
  }

  /// ISO 4217 exponents. Two decimals is the common case; the table lists all active codes so an
  /// unknown or misspelled code is refused rather than guessed.
  static let exponents: [String: Int] = {
    var table: [String: Int] = [:]
    let zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
    let three = "BHD IQD JOD KWD LYD OMR TND"
    let four = "CLF UYW"
    let two = """
      AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD
      CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD
      GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD
      MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP
      PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
      TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG
      """
    for (codes, exponent) in [(zero, 0), (two, 2), (three, 3), (four, 4)] {
      for code in codes.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
        table[String(code)] = exponent
      }
    }
    return table
  }()
}

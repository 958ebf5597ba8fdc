public import ERPProtos

extension Erp_Common_V1_Money {
  /// An amount of `minor` units of `currency` (ISO 4217 code), as the API carries it: the one
  /// way every service and test builds a `Money`.
  public init(_ minor: Int64, _ currency: String) {
    self.init()
    self.currencyCode = currency
    self.unitsMinor = minor
  }
}

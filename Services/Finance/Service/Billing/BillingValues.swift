import ERPMoney
import ERPProtos
import ERPStore
import GRPCCore

/// Conversions and amount rules shared by invoices and payments.
enum BillingValues {
  static func direction(
    _ direction: Erp_Finance_V1_Direction,
    field: String = "direction"
  ) throws
    -> String
  {
    switch direction {
    case .receivable: return "receivable"
    case .payable: return "payable"
    default: throw LedgerValues.invalid(field, "RECEIVABLE or PAYABLE is required")
    }
  }

  static func direction(_ text: String) -> Erp_Finance_V1_Direction {
    text == "receivable" ? .receivable : .payable
  }

  static let taxKinds: [(Erp_Finance_V1_TaxKind, String)] = [
    (.standard, "standard"), (.reduced, "reduced"), (.zeroRated, "zero_rated"), (.exempt, "exempt"),
  ]

  static func partyID(_ raw: String) throws -> String {
    try LedgerValues.text(raw, field: "party_id", maxLength: 100, required: true)
  }

  /// Line amounts, the documented rounding rule: net = quantity × unit price, rounded half away
  /// from zero to the minor unit, per line; tax = net × rate, rounded the same way, per line.
  static func lineAmounts(
    quantityMilli: Int64,
    unitPriceMinor: Int64,
    basisPoints: Int,
    field: String
  )
    throws -> (net: Int64, tax: Int64)
  {
    guard let net = LineAmount.value(quantityMilli: quantityMilli, unitMinor: unitPriceMinor)
    else { throw LedgerValues.invalid(field, "the amount is too large") }
    let (taxed, taxOverflow) = net.multipliedReportingOverflow(by: Int64(basisPoints))
    guard !taxOverflow else { throw LedgerValues.invalid(field, "the amount is too large") }
    return (net, (taxed + 5000) / 10000)
  }

  static func roleAccount(_ session: PostgresSession, _ role: String) async throws -> String {
    let rows = try await session.query("SELECT code FROM account WHERE role = $1", [role])
    guard let row = rows.first else {
      throw RPCError(code: .failedPrecondition, message: "the ledger has no \(role) account")
    }
    return try row.decode("code", as: String.self)
  }

  /// Money in `currency`, positive, for a field; INVALID_ARGUMENT otherwise.
  static func positive(_ money: Erp_Common_V1_Money, field: String) throws -> (Currency, Int64) {
    let currency = try LedgerValues.currency(money.currencyCode, field: field + ".currency_code")
    guard money.unitsMinor > 0 else {
      throw LedgerValues.invalid(field + ".units_minor", "must be positive (\(money.unitsMinor))")
    }
    return (currency, money.unitsMinor)
  }
}

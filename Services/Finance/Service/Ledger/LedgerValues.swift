import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Request values checked and converted, each failure an INVALID_ARGUMENT naming its field.
enum LedgerValues {
  static func invalid(_ field: String, _ problem: String) -> RPCError {
    RPCError(code: .invalidArgument, message: "\(field): \(problem)")
  }

  static func date(_ date: Erp_Common_V1_Date, field: String) throws -> CalendarDate {
    try CalendarDate(date, field: field)
  }

  static func proto(_ date: CalendarDate) -> Erp_Common_V1_Date { date.proto }

  static func currency(_ code: String, field: String) throws -> Currency {
    guard let currency = Currency(code: code) else {
      throw self.invalid(field, "\(quoted(code)) is not an ISO 4217 currency code")
    }
    return currency
  }

  /// "1.250 KWD" from minor units, for messages.
  static func display(_ units: Int64, _ currency: Currency) -> String {
    let negative = units < 0
    var digits = String(units.magnitude)
    guard currency.exponent > 0 else { return (negative ? "-" : "") + digits + " " + currency.code }
    if digits.count <= currency.exponent {
      digits = String(repeating: "0", count: currency.exponent - digits.count + 1) + digits
    }
    let whole = digits.dropLast(currency.exponent)
    let fraction = digits.suffix(currency.exponent)
    return (negative ? "-" : "") + whole + "." + fraction + " " + currency.code
  }

  static let accountTypes: [(Erp_Finance_V1_AccountType, String)] = [
    (.asset, "asset"), (.liability, "liability"), (.equity, "equity"), (.revenue, "revenue"),
    (.expense, "expense"),
  ]

  static func accountType(_ type: Erp_Finance_V1_AccountType, field: String) throws -> String {
    guard let text = self.accountTypes.first(where: { $0.0 == type })?.1 else {
      throw self.invalid(field, "one of asset, liability, equity, revenue or expense is required")
    }
    return text
  }

  static func accountType(_ text: String) -> Erp_Finance_V1_AccountType {
    self.accountTypes.first { $0.1 == text }?.0 ?? .unspecified
  }

  static func text(_ value: String, field: String, maxLength: Int, required: Bool) throws -> String
  {
    let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
    if required && trimmed.isEmpty { throw self.invalid(field, "required") }
    guard trimmed.count <= maxLength else {
      throw self.invalid(field, "at most \(maxLength) characters")
    }
    return trimmed
  }
}

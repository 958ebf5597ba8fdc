import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Checks and conversions every HR call shares.
enum HRValues {
  static func invalid(_ field: String, _ problem: String) -> RPCError {
    RPCError(code: .invalidArgument, message: "\(field): \(problem)")
  }

  static func code(_ code: String, field: String) throws -> String {
    guard code.wholeMatch(of: /[A-Z0-9-]{1,20}/) != nil else {
      throw Self.invalid(field, "1 to 20 upper-case letters, digits or '-', got \(quoted(code))")
    }
    return code
  }

  static func name(_ raw: String, field: String, required: Bool = true) throws -> String {
    let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
    guard name.count <= 200, !required || !name.isEmpty else {
      throw Self.invalid(field, required ? "1 to 200 characters" : "at most 200 characters")
    }
    return name
  }

  /// An IBAN without spaces, upper-case, checked with ISO 13616's mod-97 (the remainder of the
  /// rearranged number, letters as 10–35, must be 1).
  static func iban(_ raw: String, field: String) throws -> String {
    let iban = raw.replacingOccurrences(of: " ", with: "").uppercased()
    guard iban.count >= 15, iban.count <= 34,
      iban.wholeMatch(of: /[A-Z]{2}[0-9]{2}[A-Z0-9]+/) != nil
    else {
      throw Self.invalid(field, "not an IBAN (country code, check digits, account)")
    }
    let rearranged = iban.dropFirst(4) + iban.prefix(4)
    var remainder = 0
    for character in rearranged {
      let value = character.isNumber ? Int(String(character))! : Int(character.asciiValue! - 55)
      remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97
    }
    guard remainder == 1 else { throw Self.invalid(field, "the IBAN's check digits do not match") }
    return iban
  }

  /// An employee's WPS person id (the labour card's, 14 digits; a shorter one is zero-padded as
  /// the SIF requires) and the routing code of their bank (9 digits): both or neither.
  static func wps(
    personID: String,
    routingCode: String,
    field: String
  ) throws -> (String, String) {
    if personID.isEmpty && routingCode.isEmpty { return ("", "") }
    guard personID.wholeMatch(of: /[0-9]{1,14}/) != nil else {
      throw Self.invalid("\(field).wps_person_id", "up to 14 digits (the labour card's person id)")
    }
    guard routingCode.wholeMatch(of: /[0-9]{9}/) != nil else {
      throw Self.invalid("\(field).wps_routing_code", "9 digits (the bank's routing code)")
    }
    return (String(repeating: "0", count: 14 - personID.count) + personID, routingCode)
  }

  /// National and residence ids are 10 digits (Saudi national ids start with 1, iqamas with
  /// 2); passports 5 to 20 letters and digits.
  static func identity(_ kind: Erp_Hr_V1_IdentityKind, _ number: String) throws -> (String, String)
  {
    switch kind {
    case .nationalID:
      guard number.wholeMatch(of: /1[0-9]{9}/) != nil else {
        throw Self.invalid("employee.identity_number", "a national id is 10 digits starting with 1")
      }
      return ("national_id", number)
    case .residenceID:
      guard number.wholeMatch(of: /2[0-9]{9}/) != nil else {
        throw Self.invalid(
          "employee.identity_number",
          "a residence id is 10 digits starting with 2"
        )
      }
      return ("residence_id", number)
    case .passport:
      guard number.wholeMatch(of: /[A-Z0-9]{5,20}/) != nil else {
        throw Self.invalid(
          "employee.identity_number",
          "a passport number is 5 to 20 letters or digits"
        )
      }
      return ("passport", number)
    default:
      throw Self.invalid("employee.identity_kind", "required")
    }
  }

  /// The first day of a month given as year and month numbers, each checked.
  static func month(year: Int32, month: Int32) throws -> CalendarDate {
    guard (1900...9999).contains(year) else { throw Self.invalid("year", "1900 to 9999") }
    guard (1...12).contains(month) else { throw Self.invalid("month", "1 to 12") }
    return CalendarDate(year: Int(year), month: Int(month), day: 1)
  }

  /// The department's id, or NOT_FOUND naming the field.
  static func departmentID(
    _ session: PostgresSession,
    _ code: String,
    field: String
  ) async throws
    -> Int64
  {
    let rows = try await session.query("SELECT id FROM department WHERE code = $1", [code])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no department \(quoted(code))")
    }
    return try row.decode("id")
  }

  /// The employee's row id, or NOT_FOUND naming the field.
  static func employeeID(
    _ session: PostgresSession,
    _ number: String,
    field: String
  ) async throws
    -> Int64
  {
    let rows = try await session.query("SELECT id FROM employee WHERE number = $1", [number])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no employee \(quoted(number))")
    }
    return try row.decode("id")
  }
}

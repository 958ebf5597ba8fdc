import ERPMoney
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The UAE Wage Protection System's salary information file (SIF) for one employer and month,
/// as the Central Bank of the UAE's WPS specifies it and banks reproduce it (Mashreq's "Guidelines
/// to WPS File Format", netbanking.mashreqbank.com/B001/WPS_File_Format_eng.html; the CB-UAE
/// "Wages Protection System File formats" reference guide v1.1): ASCII, comma-separated, one
/// EDR line per employee paid, then one SCR line; lines end CRLF.
///
/// EDR (employee detail record), in order:
/// 1. `EDR`
/// 2. employee unique id: the 14-digit person id of the labour card (zero-padded)
/// 3. routing code of the agent (the employee's bank or exchange): 9 digits
/// 4. employee account with the agent: here always a UAE IBAN, `AE` + 21, 23 characters,
///    ISO 13616 mod-97 checked
/// 5. pay start date, 6. pay end date, `YYYY-MM-DD`: the days employed in the month
/// 7. days in period: days employed
/// 8. income fixed component: `0.00` decimal; here net pay less the variable part (basic,
///    housing and transport less deductions), so that the two components are what is paid
/// 9. income variable component: overtime pay
/// 10. days on leave (without pay) in the period: always 0 (every leave type of our payroll
///     is paid; nothing is deducted for leave)
///
/// SCR (salary control record), in order:
/// 1. `SCR`
/// 2. employer unique id: 13 digits (MOHRE establishment id, zero-padded)
/// 3. routing code of the employer's bank: 9 digits
/// 4. file creation date `YYYY-MM-DD`, 5. file creation time `HHMM` (UAE time, UTC+4)
/// 6. salary month `MMYYYY`
/// 7. EDR count
/// 8. total salaries: the sum of both components of every EDR, `0.00`
/// 9. `AED`
/// 10. employer reference: up to 35 letters, digits, spaces, '-' or '/' (may be empty)
///
/// The file is named `EEEEEEEEEEEEEYYMMDDHHMMSS.SIF`: employer id, then creation date and time.
/// Everything is validated before a byte is produced; a bad field is INVALID_ARGUMENT naming
/// the employee and the field.
enum WpsSalaryFile {
  struct Employer {
    var id: String
    var routingCode: String
    var reference: String
  }

  struct Record {
    var employee: String
    var personID: String
    var routingCode: String
    var iban: String
    var start: CalendarDate
    var end: CalendarDate
    var days: Int
    var fixed: Int64
    var variable: Int64
  }

  static let aed = Currency(code: "AED")!
  /// The UAE has one time zone, four hours ahead of UTC, and no daylight saving time.
  static let uaeTime = TimeZone(secondsFromGMT: 4 * 3600)!

  static func file(
    employer: Employer,
    year: Int,
    month: Int,
    createdAt: Date,
    records: [Record],
    expectedTotal: Int64
  ) throws -> (name: String, content: String, total: Int64) {
    guard employer.id.wholeMatch(of: /[0-9]{13}/) != nil else {
      throw RPCError(
        code: .failedPrecondition,
        message: "wps.employer_id: the payroll settings need the employer's 13-digit id"
      )
    }
    guard employer.routingCode.wholeMatch(of: /[0-9]{9}/) != nil else {
      throw RPCError(
        code: .failedPrecondition,
        message: "wps.routing_code: the payroll settings need the employer bank's routing code"
      )
    }
    guard employer.reference.wholeMatch(of: /[A-Za-z0-9 \/-]{0,35}/) != nil else {
      throw HRValues.invalid(
        "employer_reference",
        "up to 35 letters, digits, spaces, '-' or '/'"
      )
    }
    guard !records.isEmpty else {
      throw RPCError(code: .failedPrecondition, message: "run_id: the run pays nobody")
    }
    var lines: [String] = []
    var total: Int64 = 0
    for record in records {
      try Self.validate(record)
      total += record.fixed + record.variable
      lines.append(
        [
          "EDR", record.personID, record.routingCode, record.iban, record.start.postgresText,
          record.end.postgresText, String(record.days), Self.aed.decimal(record.fixed),
          Self.aed.decimal(record.variable), "0",
        ].joined(separator: ",")
      )
    }
    guard total == expectedTotal else {
      throw RPCError(
        code: .internalError,
        message: "the salary file's records do not add up to the run's net pay"
      )
    }
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = Self.uaeTime
    let at = calendar.dateComponents(
      [.year, .month, .day, .hour, .minute, .second],
      from: createdAt
    )
    func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
    let date = "\(at.year ?? 0)-\(two(at.month))-\(two(at.day))"
    lines.append(
      [
        "SCR", employer.id, employer.routingCode, date, two(at.hour) + two(at.minute),
        two(month) + String(year), String(records.count), Self.aed.decimal(total), "AED",
        employer.reference,
      ].joined(separator: ",")
    )
    let stamp =
      two((at.year ?? 0) % 100) + two(at.month) + two(at.day) + two(at.hour) + two(at.minute)
      + two(at.second)
    return (employer.id + stamp + ".SIF", lines.map { $0 + "\r\n" }.joined(), total)
  }

  static func validate(_ record: Record) throws {
    let field = record.employee
    guard record.personID.wholeMatch(of: /[0-9]{14}/) != nil else {
      throw HRValues.invalid(
        "\(field).wps_person_id",
        "the 14-digit labour card person id is required"
      )
    }
    guard record.routingCode.wholeMatch(of: /[0-9]{9}/) != nil else {
      throw HRValues.invalid(
        "\(field).wps_routing_code",
        "the bank's 9-digit routing code is required"
      )
    }
    guard record.iban.count == 23, record.iban.hasPrefix("AE") else {
      throw HRValues.invalid("\(field).iban", "a UAE IBAN (AE, 23 characters) is required")
    }
    _ = try HRValues.iban(record.iban, field: "\(field).iban")
    guard (1...31).contains(record.days), record.start <= record.end else {
      throw HRValues.invalid("\(field).days_employed", "1 to 31 days in the month")
    }
    guard record.fixed >= 0, record.variable >= 0 else {
      throw HRValues.invalid("\(field).net", "a salary file cannot pay a negative amount")
    }
  }
}

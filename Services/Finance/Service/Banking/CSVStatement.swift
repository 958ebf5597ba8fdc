import CSV
import ERPMoney
import ERPProtos
import ERPStore
import Foundation
import GRPCCore

/// A CSV statement read by a bank's profile, with yaslab/CSV.swift (RFC 4180 quoting, any
/// delimiter, fields with line breaks). The header row names the columns; the profile says
/// which is which. Every problem names the profile field or the line (the header is line 1;
/// each record counts one).
enum CSVStatement {
  struct Profile {
    var date: String
    var amount: String
    var debit: String
    var credit: String
    var reference: String
    var description: String
    var balance: String
    var datePattern: String
    var decimal: Character
    var delimiter: UnicodeScalar
  }

  static func profile(_ proto: Erp_Finance_V1_CsvProfile) throws -> Profile {
    func invalid(_ field: String, _ problem: String) -> RPCError {
      RPCError(code: .invalidArgument, message: "csv_profile.\(field): \(problem)")
    }
    let trim = { (text: String) in text.trimmingCharacters(in: .whitespaces) }
    guard !trim(proto.dateColumn).isEmpty else { throw invalid("date_column", "required") }
    let signed = !trim(proto.amountColumn).isEmpty
    let debitAndCredit = !trim(proto.debitColumn).isEmpty && !trim(proto.creditColumn).isEmpty
    let either = !trim(proto.debitColumn).isEmpty || !trim(proto.creditColumn).isEmpty
    guard signed ? !either : debitAndCredit else {
      throw invalid("amount_column", "name either the amount column or both debit and credit")
    }
    let pattern = proto.dateFormat.isEmpty ? "yyyy-MM-dd" : proto.dateFormat
    guard StatementValues.isDatePattern(pattern) else {
      throw invalid("date_format", "use yyyy, MM and dd once each, e.g. dd/MM/yyyy")
    }
    let decimal: Character
    switch proto.decimalSeparator {
    case "", ".": decimal = "."
    case ",": decimal = ","
    default: throw invalid("decimal_separator", "\".\" or \",\"")
    }
    let delimiter: UnicodeScalar
    switch proto.delimiter {
    case "", ",": delimiter = ","
    case ";": delimiter = ";"
    case "\t": delimiter = "\t"
    case "|": delimiter = "|"
    default: throw invalid("delimiter", "\",\", \";\", \"|\" or a tab")
    }
    guard String(decimal) != String(delimiter) else {
      throw invalid("decimal_separator", "must differ from the delimiter")
    }
    return Profile(
      date: trim(proto.dateColumn),
      amount: trim(proto.amountColumn),
      debit: trim(proto.debitColumn),
      credit: trim(proto.creditColumn),
      reference: trim(proto.referenceColumn),
      description: trim(proto.descriptionColumn),
      balance: trim(proto.balanceColumn),
      datePattern: pattern,
      decimal: decimal,
      delimiter: delimiter
    )
  }

  static func parse(
    _ text: String,
    _ proto: Erp_Finance_V1_CsvProfile,
    currency: Currency
  ) throws -> ParsedStatement {
    let profile = try Self.profile(proto)
    let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
    let reader: CSVReader
    do {
      reader = try CSVReader(
        string: body,
        hasHeaderRow: true,
        trimFields: true,
        delimiter: profile.delimiter
      )
    } catch {
      throw statementProblem(line: 1, "no header row")
    }
    let header = reader.headerRow ?? []
    func column(_ name: String, _ field: String) throws -> Int? {
      guard !name.isEmpty else { return nil }
      guard let index = header.firstIndex(where: { $0 == name }) else {
        let names = header.prefix(12).map { quoted($0, limit: 30) }.joined(separator: ", ")
        throw RPCError(
          code: .invalidArgument,
          message: "csv_profile.\(field): no column \(quoted(name)) in the header (\(names))"
        )
      }
      return index
    }
    let dateColumn = try column(profile.date, "date_column")!
    let amountColumn = try column(profile.amount, "amount_column")
    let debitColumn = try column(profile.debit, "debit_column")
    let creditColumn = try column(profile.credit, "credit_column")
    let referenceColumn = try column(profile.reference, "reference_column")
    let descriptionColumn = try column(profile.description, "description_column")
    let balanceColumn = try column(profile.balance, "balance_column")

    var statement = ParsedStatement()
    var lineNumber = 1
    var balance: Int64?
    while let row = reader.next() {
      lineNumber += 1
      if row.allSatisfy(\.isEmpty) { continue }
      guard row.count == header.count else {
        throw statementProblem(
          line: lineNumber,
          "\(row.count) fields where the header has \(header.count)"
        )
      }
      guard let date = StatementValues.date(row[dateColumn], pattern: profile.datePattern) else {
        throw statementProblem(
          line: lineNumber,
          "\(profile.date) \(quoted(row[dateColumn])) is not a date in \(profile.datePattern)"
        )
      }
      func amount(_ index: Int, _ name: String, emptyIsZero: Bool) throws -> Int64 {
        if emptyIsZero && row[index].isEmpty { return 0 }
        guard
          let value = StatementValues.minorUnits(
            row[index],
            currency: currency,
            decimal: profile.decimal
          )
        else {
          throw statementProblem(
            line: lineNumber,
            "\(name) \(quoted(row[index])) is not an amount in \(currency) "
              + "(at most \(currency.exponent) decimals, separator \(profile.decimal))"
          )
        }
        return value
      }
      var value: Int64
      if let amountColumn {
        value = try amount(amountColumn, profile.amount, emptyIsZero: false)
      } else {
        let debit = try amount(debitColumn!, profile.debit, emptyIsZero: true)
        let credit = try amount(creditColumn!, profile.credit, emptyIsZero: true)
        // Both have at most 18 digits, so this cannot overflow.
        value = abs(credit) - abs(debit)
      }
      guard value != 0 else { throw statementProblem(line: lineNumber, "the amount is zero") }
      if let balanceColumn {
        let stated = try amount(balanceColumn, profile.balance, emptyIsZero: false)
        if let previous = balance {
          guard previous &+ value == stated else {
            throw statementProblem(
              line: lineNumber,
              "the balance \(display(stated, currency)) is not the previous balance "
                + "\(display(previous, currency)) plus the amount \(display(value, currency))"
            )
          }
        } else {
          statement.opening = stated &- value
        }
        balance = stated
        statement.closing = stated
      }
      statement.lines.append(
        ParsedLine(
          date: date,
          amountMinor: value,
          reference: referenceColumn.map { row[$0] } ?? "",
          description: descriptionColumn.map { row[$0] } ?? ""
        )
      )
    }
    if let error = reader.error {
      throw statementProblem(line: lineNumber + 1, "unreadable CSV (\(type(of: error)))")
    }
    return statement
  }
}

import ERPMoney
import Foundation
import SwiftProtobuf

/// Readable tables by default, protobuf's JSON mapping with `--json`.
enum Output {
  static func table(_ headers: [String], _ rows: [[String]]) {
    let widths = headers.indices.map { column in
      ([headers[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { index, cell in
        cell + String(repeating: " ", count: widths[index] - cell.count)
      }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(headers))
    print(line(widths.map { String(repeating: "-", count: $0) }))
    for row in rows { print(line(row)) }
  }

  static func json(_ message: some SwiftProtobuf.Message) throws {
    var options = JSONEncodingOptions()
    options.preserveProtoFieldNames = true
    print(try message.jsonString(options: options))
  }

  /// 12345 minor units of a 2-decimal currency → "123.45 SAR" (exponents by ISO 4217).
  static func money(_ minor: Int64, _ currency: String) -> String {
    let exponent = Currency(code: currency)?.exponent ?? 2
    guard exponent > 0 else { return "\(minor) \(currency)" }
    var divisor: Int64 = 1
    for _ in 0..<exponent { divisor *= 10 }
    let fraction = String(abs(minor % divisor))
    let sign = minor < 0 ? "-" : ""
    return
      "\(sign)\(abs(minor / divisor)).\(String(repeating: "0", count: exponent - fraction.count))\(fraction) \(currency)"
  }
}

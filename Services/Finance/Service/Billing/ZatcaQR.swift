import ERPMoney
import Foundation

/// ZATCA's phase-one QR code for simplified tax invoices (the "QR code" section of ZATCA's
/// E-invoicing Detailed Guidelines and its Security Features Implementation Standards): five
/// fields, each as a TLV — one tag byte, one length byte (the value's UTF-8 byte count, so at
/// most 255), the UTF-8 value — concatenated and base64-encoded.
///
/// | tag | value                                                         |
/// |-----|---------------------------------------------------------------|
/// | 1   | seller name (Arabic is fine: the length counts bytes)         |
/// | 2   | seller VAT registration number (15 digits)                    |
/// | 3   | time stamp, ISO 8601 in UTC to the second: 2022-04-25T15:30:00Z |
/// | 4   | invoice total with VAT, decimal in the currency's exponent    |
/// | 5   | VAT total, the same way                                       |
///
/// Phase two (tags 6–9: XML hash, ECDSA signature and keys; UBL 2.1 XML; the hash chain) is not
/// produced.
enum ZatcaQR {
  struct Fields: Equatable {
    var sellerName: String
    var vatNumber: String
    var timestamp: Date
    var total: Int64
    var vat: Int64
    var currency: Currency
  }

  enum Failure: Error, Equatable {
    /// The field (by tag) is empty or longer than 255 bytes of UTF-8.
    case length(tag: UInt8)
  }

  /// The base64 QR payload.
  static func encode(_ fields: Fields) throws(Failure) -> String {
    let values: [(UInt8, String)] = [
      (1, fields.sellerName), (2, fields.vatNumber), (3, Self.timestamp(fields.timestamp)),
      (4, fields.currency.decimal(fields.total)), (5, fields.currency.decimal(fields.vat)),
    ]
    var bytes: [UInt8] = []
    for (tag, value) in values {
      let utf8 = Array(value.utf8)
      guard (1...255).contains(utf8.count) else { throw .length(tag: tag) }
      bytes.append(tag)
      bytes.append(UInt8(utf8.count))
      bytes.append(contentsOf: utf8)
    }
    return Data(bytes).base64EncodedString()
  }

  /// The TLV fields of a payload by tag, or nil when it is not base64 of well-formed TLVs.
  static func decode(_ payload: String) -> [UInt8: String]? {
    guard let data = Data(base64Encoded: payload) else { return nil }
    let bytes = [UInt8](data)
    var fields: [UInt8: String] = [:]
    var index = 0
    while index < bytes.count {
      guard index + 1 < bytes.count else { return nil }
      let (tag, length) = (bytes[index], Int(bytes[index + 1]))
      guard index + 2 + length <= bytes.count,
        let value = String(validating: bytes[(index + 2)..<(index + 2 + length)], as: UTF8.self)
      else { return nil }
      fields[tag] = value
      index += 2 + length
    }
    return fields
  }

  /// `yyyy-MM-ddTHH:mm:ssZ` in UTC, whole seconds.
  static func timestamp(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }
    return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))T\(two(parts.hour)):"
      + "\(two(parts.minute)):\(two(parts.second))Z"
  }
}

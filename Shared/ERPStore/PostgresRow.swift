public import Foundation

/// One row of a result, values in PostgreSQL's text format, decoded on demand by type.
public struct PostgresRow: Sendable {
  let columns: [String: Int]
  let values: [String?]

  /// The raw text of a column; nil for SQL NULL.
  public subscript(column: String) -> String? {
    guard let index = self.columns[column] else { return nil }
    return self.values[index]
  }

  /// Decodes a non-null column.
  public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
    guard let index = self.columns[column] else {
      throw PostgresError(kind: .decoding, message: "no column named \(column)")
    }
    guard let text = self.values[index] else {
      throw PostgresError(kind: .decoding, message: "column \(column) is NULL")
    }
    guard let value = T(postgresText: text) else {
      throw PostgresError(kind: .decoding, message: "column \(column) is not a \(T.self): \(text)")
    }
    return value
  }

  /// Decodes a column that may be NULL.
  public func decodeIfPresent<T: PostgresDecodable>(
    _ column: String,
    as type: T.Type = T.self
  ) throws -> T? {
    guard self[column] != nil else { return nil }
    return try self.decode(column, as: type)
  }
}

/// A type read from PostgreSQL's text format.
public protocol PostgresDecodable {
  init?(postgresText: String)
}

/// A type sent as a parameter in PostgreSQL's text format.
public protocol PostgresEncodable: Sendable {
  var postgresText: String { get }
}

extension Int64: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) { self.init(postgresText) }
  public var postgresText: String { String(self) }
}

extension Int: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) { self.init(postgresText) }
  public var postgresText: String { String(self) }
}

extension Int32: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) { self.init(postgresText) }
  public var postgresText: String { String(self) }
}

extension String: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) { self = postgresText }
  public var postgresText: String { self }
}

extension Bool: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) {
    switch postgresText {
    case "t", "true": self = true
    case "f", "false": self = false
    default: return nil
    }
  }
  public var postgresText: String { self ? "t" : "f" }
}

extension UUID: PostgresDecodable, PostgresEncodable {
  public init?(postgresText: String) { self.init(uuidString: postgresText) }
  public var postgresText: String { self.uuidString.lowercased() }
}

/// A calendar date (`date` in SQL), with no time zone.
public struct CalendarDate: Sendable, Hashable, Comparable, PostgresDecodable, PostgresEncodable {
  public var year: Int
  public var month: Int
  public var day: Int

  public init(year: Int, month: Int, day: Int) {
    self.year = year
    self.month = month
    self.day = day
  }

  public init?(postgresText: String) {
    let parts = postgresText.split(separator: "-").compactMap { Int($0) }
    guard parts.count == 3 else { return nil }
    self.init(year: parts[0], month: parts[1], day: parts[2])
  }

  public var postgresText: String {
    func pad(_ value: Int, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    return "\(pad(self.year, 4))-\(pad(self.month, 2))-\(pad(self.day, 2))"
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
  }
}

/// A point in time (`timestamptz`), microsecond precision as PostgreSQL keeps it. Sent and read
/// as UTC text; the session's time zone is set to UTC by the pool.
public struct Timestamp: Sendable, Hashable, Comparable, PostgresDecodable, PostgresEncodable {
  /// Microseconds since 1970-01-01 00:00:00 UTC.
  public var microsecondsSinceEpoch: Int64

  public init(microsecondsSinceEpoch: Int64) {
    self.microsecondsSinceEpoch = microsecondsSinceEpoch
  }

  public init(_ date: Date) {
    self.microsecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
  }

  public var date: Date { Date(timeIntervalSince1970: Double(self.microsecondsSinceEpoch) / 1e6) }

  /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]+00` (UTC, as the pool's sessions print it).
  public init?(postgresText text: String) {
    var body = Substring(text)
    guard body.hasSuffix("+00") else { return nil }
    body = body.dropLast(3)
    let halves = body.split(separator: " ")
    guard halves.count == 2, let day = CalendarDate(postgresText: String(halves[0])) else {
      return nil
    }
    let clock = halves[1].split(separator: ":")
    guard clock.count == 3, let hour = Int64(clock[0]), let minute = Int64(clock[1]) else {
      return nil
    }
    let secondParts = clock[2].split(separator: ".", omittingEmptySubsequences: false)
    guard let second = Int64(secondParts[0]) else { return nil }
    var micros: Int64 = 0
    if secondParts.count == 2 {
      let digits = secondParts[1].prefix(6)
      guard let fraction = Int64(digits) else { return nil }
      micros = fraction * Int64(pow(10, Double(6 - digits.count)))
    }
    let days = Self.daysFromCivil(Int64(day.year), Int64(day.month), Int64(day.day))
    self.microsecondsSinceEpoch =
      ((days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000) + micros
  }

  public var postgresText: String {
    let micros = self.microsecondsSinceEpoch
    let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
    let fraction = micros - seconds * 1_000_000
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let inDay = seconds - days * 86_400
    let (y, m, d) = Self.civilFromDays(days)
    let date = CalendarDate(year: Int(y), month: Int(m), day: Int(d)).postgresText
    func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let frac = String(fraction)
    let padded = String(repeating: "0", count: 6 - frac.count) + frac
    return "\(date) \(two(inDay / 3600)):\(two(inDay / 60 % 60)):\(two(inDay % 60)).\(padded)+00"
  }

  public static func < (lhs: Self, rhs: Self) -> Bool {
    lhs.microsecondsSinceEpoch < rhs.microsecondsSinceEpoch
  }

  // Howard Hinnant's days-from-civil algorithms: exact for the proleptic Gregorian calendar.
  static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  static func civilFromDays(_ days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let y = yoe + era * 400
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    return (m <= 2 ? y + 1 : y, m, d)
  }
}

/// Raw JSON text of a `json`/`jsonb` column or parameter; parse it with the JSON decoder of the
/// caller's choice.
public struct JSONText: Sendable, Hashable, PostgresDecodable, PostgresEncodable {
  public var text: String
  public init(_ text: String) { self.text = text }
  public init?(postgresText: String) { self.text = postgresText }
  public var postgresText: String { self.text }
}

extension Array: PostgresDecodable where Element == String {
  /// Parses a one-dimensional `text[]` in PostgreSQL's array syntax (quoted or bare elements).
  /// NULL elements are not supported and fail decoding.
  public init?(postgresText: String) {
    guard postgresText.first == "{", postgresText.last == "}" else { return nil }
    var elements: [String] = []
    var current = ""
    var quoted = false
    var escaped = false
    var wasQuoted = false
    for character in postgresText.dropFirst().dropLast() {
      if escaped {
        current.append(character)
        escaped = false
      } else if character == "\\" {
        escaped = true
      } else if character == "\"" {
        quoted.toggle()
        wasQuoted = true
      } else if character == ",", !quoted {
        if !wasQuoted, current == "NULL" { return nil }
        elements.append(current)
        current = ""
        wasQuoted = false
      } else {
        current.append(character)
      }
    }
    if postgresText.count > 2 {
      if !wasQuoted, current == "NULL" { return nil }
      elements.append(current)
    }
    self = elements
  }
}

extension Array: PostgresEncodable where Element == String {
  /// A `text[]` literal with every element quoted and escaped.
  public var postgresText: String {
    let quoted = self.map { element in
      "\""
        + element.replacingOccurrences(of: "\\", with: "\\\\")
        .replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    return "{" + quoted.joined(separator: ",") + "}"
  }
}

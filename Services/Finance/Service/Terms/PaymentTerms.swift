import ERPRuntime
import ERPStore

/// Payment terms as a code, the one place that reads it: "NET<n>" (due n days after the issue
/// date), "<p>/<d>NET<n>" (the same, p % off when paid within d days: "2/10NET30"), "EOM" (due on
/// the last day of the issue date's month) and "NET<n>EOM" (n days after that last day). A code
/// is the whole definition, so terms need no table of their own and an invoice keeps the code it
/// was issued under: its due date and discount date follow from the code and its issue date.
struct PaymentTerms: Hashable, Sendable, CustomStringConvertible {
  enum Kind: Hashable, Sendable {
    /// Due `days` after the issue date.
    case net(days: Int)
    /// Due `days` after the issue date; `percent` off when paid within `discountDays`.
    case discount(percent: Int, discountDays: Int, days: Int)
    /// Due `days` after the last day of the issue date's month (0: on that day).
    case endOfMonth(days: Int)
  }

  var kind: Kind

  static let defaultCode = "NET30"
  static let maxDays = 365

  /// The terms a code names, case and spaces ignored ("2/10 net 30"); nil when it names none.
  init?(code raw: String) {
    guard raw.utf8.count <= 40 else { return nil }
    let code = raw.uppercased().filter { $0 != " " }
    func days(_ text: Substring) -> Int? {
      guard (1...3).contains(text.count), let value = Int(text), (0...Self.maxDays).contains(value)
      else { return nil }
      return value
    }
    if code == "EOM" {
      self.kind = .endOfMonth(days: 0)
    } else if let match = code.wholeMatch(of: /NET([0-9]+)EOM/), let n = days(match.1) {
      self.kind = .endOfMonth(days: n)
    } else if let match = code.wholeMatch(of: /NET([0-9]+)/), let n = days(match.1) {
      self.kind = .net(days: n)
    } else if let match = code.wholeMatch(of: /([0-9]{1,2})\/([0-9]+)NET([0-9]+)/),
      let percent = Int(match.1), (1...99).contains(percent),
      let d = days(match.2), let n = days(match.3), d < n
    {
      self.kind = .discount(percent: percent, discountDays: d, days: n)
    } else {
      return nil
    }
  }

  /// The terms of a request's field, or INVALID_ARGUMENT naming it.
  static func parse(_ raw: String, field: String) throws -> PaymentTerms {
    guard let terms = PaymentTerms(code: raw) else {
      throw LedgerValues.invalid(
        field,
        "\(quoted(raw)) is not payment terms: NET<days>, <percent>/<days>NET<days>, EOM or "
          + "NET<days>EOM"
      )
    }
    return terms
  }

  /// The normalised code, as stored and answered.
  var description: String {
    switch self.kind {
    case .net(let days): "NET\(days)"
    case .discount(let percent, let discountDays, let days): "\(percent)/\(discountDays)NET\(days)"
    case .endOfMonth(0): "EOM"
    case .endOfMonth(let days): "NET\(days)EOM"
    }
  }

  /// When an invoice issued on `issued` is due.
  func dueDate(issued: CalendarDate) -> CalendarDate {
    switch self.kind {
    case .net(let days), .discount(_, _, let days): issued.adding(days: days)
    case .endOfMonth(let days): Self.lastDay(of: issued).adding(days: days)
    }
  }

  /// The last day to pay with the early-payment discount, and the discount in basis points;
  /// nil for terms without one.
  func discount(issued: CalendarDate) -> (date: CalendarDate, basisPoints: Int)? {
    guard case .discount(let percent, let discountDays, _) = self.kind else { return nil }
    return (issued.adding(days: discountDays), percent * 100)
  }

  /// The last day of `date`'s month (28 or 29 in February, by the Gregorian leap rule).
  static func lastDay(of date: CalendarDate) -> CalendarDate {
    let next =
      date.month == 12
      ? CalendarDate(year: date.year + 1, month: 1, day: 1)
      : CalendarDate(year: date.year, month: date.month + 1, day: 1)
    return next.adding(days: -1)
  }
}

import Foundation

/// Dates as the console shows them: Gregorian always (the books are kept in Gregorian dates),
/// with the Hijri date of the Umm al-Qura calendar beside it when the user asks for it.
public struct CalendarText: Sendable {
  public var language: Language
  public var digits: DigitStyle
  public var showsHijri: Bool

  public init(language: Language, digits: DigitStyle, showsHijri: Bool) {
    self.language = language
    self.digits = digits
    self.showsHijri = showsHijri
  }

  /// `year-month-day` (a calendar date of the books, no time zone) as shown: "2026-02-18", and
  /// with Hijri "2026-02-18 (1447-09-01 هـ)" — the suffix "AH" in English.
  public func format(year: Int, month: Int, day: Int) -> String {
    let gregorian = Self.iso(year, month, day)
    guard self.showsHijri, let hijri = Self.hijri(year: year, month: month, day: day) else {
      return self.digits.render(gregorian)
    }
    let suffix = self.language == .ar ? "هـ" : "AH"
    return self.digits.render(
      "\(gregorian) (\(Self.iso(hijri.year, hijri.month, hijri.day)) \(suffix))"
    )
  }

  /// The Umm al-Qura date of a Gregorian date, computed at noon UTC so no time zone moves it
  /// across midnight. Nil for a date the calendar cannot convert.
  public static func hijri(year: Int, month: Int, day: Int) -> (year: Int, month: Int, day: Int)? {
    var gregorian = Calendar(identifier: .gregorian)
    gregorian.timeZone = TimeZone(identifier: "UTC")!
    guard
      let instant = gregorian.date(
        from: DateComponents(year: year, month: month, day: day, hour: 12)
      )
    else { return nil }
    var ummAlQura = Calendar(identifier: .islamicUmmAlQura)
    ummAlQura.timeZone = gregorian.timeZone
    let parts = ummAlQura.dateComponents([.year, .month, .day], from: instant)
    guard let y = parts.year, let m = parts.month, let d = parts.day else { return nil }
    return (y, m, d)
  }

  static func iso(_ year: Int, _ month: Int, _ day: Int) -> String {
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(year)-\(two(month))-\(two(day))"
  }
}

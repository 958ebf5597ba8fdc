import ERPMoney
import ERPProtos
import Foundation
import Hummingbird
import SwiftProtobuf

/// How one signed-in page writes numbers, money and dates: the page's language, the user's
/// digits (`erp_digits` cookie: `latin` or `arabic-indic`) and Hijri choice (`erp_hijri=1`),
/// and the user's time zone (from Identity.Me) for instants.
struct PageFormats {
  static let digitsCookie = "erp_digits"
  static let hijriCookie = "erp_hijri"

  var language: Language
  var words: [String: String]
  var money: MoneyText
  var calendar: CalendarText
  var timeZone: TimeZone

  init(_ request: Request, me: Erp_Gateway_V1_MeResponse) {
    self.language = WebConsole.language(request)
    self.words = Translations.table(self.language)
    let digits =
      request.cookies[Self.digitsCookie].flatMap { DigitStyle(rawValue: $0.value) } ?? .latin
    self.money = MoneyText(digits: digits)
    self.calendar = CalendarText(
      language: self.language,
      digits: digits,
      showsHijri: request.cookies[Self.hijriCookie]?.value == "1"
    )
    self.timeZone = TimeZone(identifier: me.user.timeZone) ?? TimeZone(identifier: "UTC")!
  }

  /// An amount with its currency code; "—" when the section had nothing in any currency.
  func money(_ money: Erp_Common_V1_Money) -> String {
    guard let currency = Currency(code: money.currencyCode) else { return "—" }
    return self.money.format(money.unitsMinor, currency)
  }

  func count(_ value: Int64) -> String { self.money.count(value) }

  func date(_ date: Erp_Common_V1_Date) -> String {
    guard date.year > 0 else { return "—" }
    return self.calendar.format(year: Int(date.year), month: Int(date.month), day: Int(date.day))
  }

  /// The calendar day of an instant in the user's time zone.
  func day(_ instant: Google_Protobuf_Timestamp) -> String {
    guard instant.seconds > 0 else { return "—" }
    var gregorian = Calendar(identifier: .gregorian)
    gregorian.timeZone = self.timeZone
    let parts = gregorian.dateComponents([.year, .month, .day], from: instant.date)
    return self.calendar.format(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
  }

  func word(_ key: String) -> String { self.words[key] ?? key }
}

import ERPMoney
import Testing

@testable import Web

@Suite("The console's numbers, money and dates")
struct FormatTests {
  @Test("money keeps the currency's exponent, groups thousands, and writes either digits")
  func money() throws {
    let kwd = try #require(Currency(code: "KWD"))
    let sar = try #require(Currency(code: "SAR"))
    let jpy = try #require(Currency(code: "JPY"))
    let latin = MoneyText(digits: .latin)
    #expect(latin.format(1_234_567, kwd) == "1,234.567 KWD")
    #expect(latin.format(5, kwd) == "0.005 KWD")
    #expect(latin.format(-123_456_789, sar) == "-1,234,567.89 SAR")
    #expect(latin.format(1_000_000, jpy) == "1,000,000 JPY")
    #expect(latin.format(0, sar) == "0.00 SAR")
    let arabic = MoneyText(digits: .arabicIndic)
    #expect(arabic.format(1_234_567, kwd) == "١٬٢٣٤٫٥٦٧ KWD")
    #expect(arabic.count(-1_500) == "-١٬٥٠٠")
  }

  @Test("the Hijri date is the Umm al-Qura calendar's (1 Ramadan 1447 is 18 February 2026)")
  func hijri() throws {
    // Reference dates from the Umm al-Qura tables (Python's hijri-converter 2.3.1):
    // 2026-02-18 → 1447-09-01, 2025-03-01 → 1446-09-01, 2026-12-01 → 1448-06-21.
    let cases = [
      ((2026, 2, 18), (1447, 9, 1)), ((2025, 3, 1), (1446, 9, 1)), ((2026, 12, 1), (1448, 6, 21)),
    ]
    for (gregorian, expected) in cases {
      let hijri = try #require(
        CalendarText.hijri(year: gregorian.0, month: gregorian.1, day: gregorian.2)
      )
      #expect(hijri.year == expected.0 && hijri.month == expected.1 && hijri.day == expected.2)
    }
    let arabic = CalendarText(language: .ar, digits: .arabicIndic, showsHijri: true)
    #expect(arabic.format(year: 2026, month: 2, day: 18) == "٢٠٢٦-٠٢-١٨ (١٤٤٧-٠٩-٠١ هـ)")
    let english = CalendarText(language: .en, digits: .latin, showsHijri: false)
    #expect(english.format(year: 2026, month: 2, day: 18) == "2026-02-18")
  }

  @Test("the language comes from the cookie, then Accept-Language, else Arabic")
  func language() {
    #expect(Language.preferred(cookie: "en", acceptLanguage: "ar") == .en)
    #expect(Language.preferred(cookie: "xx", acceptLanguage: "fr-FR, en-GB;q=0.8") == .en)
    #expect(Language.preferred(cookie: nil, acceptLanguage: "fr, de") == .ar)
    #expect(Language.preferred(cookie: nil, acceptLanguage: nil) == .ar)
    let hostile = String(repeating: "fr,", count: 100_000) + "en"
    #expect(Language.preferred(cookie: nil, acceptLanguage: hostile) == .ar)
    #expect(Language.ar.direction == "rtl" && Language.en.direction == "ltr")
  }

  @Test("every word exists in both languages")
  func translationsComplete() {
    #expect(Set(Translations.arabic.keys) == Set(Translations.english.keys))
    #expect(Translations.arabic.values.allSatisfy { !$0.isEmpty })
  }
}

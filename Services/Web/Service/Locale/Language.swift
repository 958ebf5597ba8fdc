/// The console's languages. Arabic comes first: the console is Arabic-first, and a request that
/// names no language we serve gets Arabic.
public enum Language: String, Sendable, CaseIterable {
  case ar
  case en

  /// The page's `dir`: every page carries it on `<html>`, and the style sheet uses only logical
  /// properties, so one sheet serves both directions.
  public var direction: String { self == .ar ? "rtl" : "ltr" }

  /// The language a request asks for: the console's `lang` cookie when it names one we serve,
  /// else the first language of `Accept-Language` we serve (weights are not weighed: browsers
  /// list languages in preference order), else Arabic.
  public static func preferred(cookie: String?, acceptLanguage: String?) -> Language {
    if let cookie, let language = Language(rawValue: cookie) { return language }
    for entry in (acceptLanguage ?? "").split(separator: ",").prefix(Self.maxAcceptEntries) {
      let tag = entry.split(separator: ";").first?.trimmingCharacters(in: .whitespaces) ?? ""
      let primary = tag.split(separator: "-").first.map { $0.lowercased() } ?? ""
      if let language = Language(rawValue: primary) { return language }
    }
    return .ar
  }

  /// A hostile `Accept-Language` with thousands of entries costs no more than this many.
  static let maxAcceptEntries = 16
}

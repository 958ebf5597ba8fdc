import Mustache

/// Renders the console's pages from ``Templates``. Each page gets the common values every
/// template may use: `lang`, `dir`, `otherLanguage`, `t` (the words of the page's language),
/// `csrf` (the form token) and `title`.
public struct PageRenderer: Sendable {
  private let library: MustacheLibrary

  public init() throws {
    var library = MustacheLibrary()
    for (name, text) in Templates.all {
      library.register(try MustacheTemplate(string: text), named: name)
    }
    self.library = library
  }

  /// The HTML of `page`, or nil when no template has that name (a programming error the tests
  /// catch: every route renders a template the table holds).
  public func render(_ page: String, _ values: PageValues) -> String? {
    self.library.render(values.dictionary, withTemplate: page)
  }
}

/// The values of one rendered page: the common ones, and the page's own under their names.
public struct PageValues {
  public var language: Language
  public var csrf: String
  public var titleKey: String
  public var own: [String: Any] = [:]

  public init(language: Language, csrf: String, titleKey: String) {
    self.language = language
    self.csrf = csrf
    self.titleKey = titleKey
  }

  var dictionary: [String: Any] {
    let words = Translations.table(self.language)
    let other: Language = self.language == .ar ? .en : .ar
    var values: [String: Any] = [
      "lang": self.language.rawValue,
      "dir": self.language.direction,
      "otherLanguage": other.rawValue,
      "t": words,
      "csrf": self.csrf,
      "title": words[self.titleKey] ?? "",
    ]
    for (key, value) in self.own { values[key] = value }
    return values
  }
}

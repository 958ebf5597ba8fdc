/// The callbacks of ``StatementXMLParser``, in document order.
protocol StatementXMLHandler: AnyObject {
  /// An element opened: its local name (namespace prefix dropped) and attributes (by local
  /// name; `xmlns` declarations left out).
  func parser(_ parser: StatementXMLParser, didStart name: String, attributes: [String: String])
  /// Character data inside an element (entities decoded, CDATA as it is), perhaps in pieces.
  func parser(_ parser: StatementXMLParser, foundCharacters text: String)
  func parser(_ parser: StatementXMLParser, didEnd name: String)
}

/// A small, strict XML reader for bank statements (camt.053), in place of Foundation's XMLParser:
/// that one is libxml2 underneath (FoundationXML on Linux), and Debian's libxml2 loads ICU
/// (libicu72, 35 MB with its data), which alone took finance's image past the 120 MB goal while
/// Foundation already carries ICU's data of its own. A statement needs only elements,
/// attributes, character data, the five predefined entities, character references, CDATA,
/// comments and processing instructions; anything else is refused, a DTD first of all (no
/// entity expansion, no external entities). Not a validating parser; well-formedness as far as
/// tags nest and close, one root, no control characters. Namespaces: names are reported by
/// their local part (camt's namespace versions differ only in the URI).
final class StatementXMLParser {
  private let bytes: [UInt8]
  private var position = 0
  private var lineStart = 0
  private var aborted = false
  /// The line (1-based) of the parser's position: of the construct being reported, or of the
  /// error when `parse` returned false.
  private(set) var lineNumber = 1
  /// The column (1-based, in bytes) of the parser's position.
  var columnNumber: Int { self.position - self.lineStart + 1 }

  init(_ text: String) {
    self.bytes = Array(text.utf8)
  }

  /// Stops the parse after the current callback; `parse` then returns false.
  func abortParsing() { self.aborted = true }

  /// Reads the whole document, calling `handler`; false when it is not well-formed (the
  /// position says where) or the handler aborted.
  func parse(_ handler: any StatementXMLHandler) -> Bool {
    if self.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.position = 3 }
    var open: [String] = []
    var sawRoot = false
    while self.position < self.bytes.count, !self.aborted {
      if self.bytes[self.position] != UInt8(ascii: "<") {
        guard let text = self.characterData() else { return false }
        if open.isEmpty {
          guard text.allSatisfy({ " \t\n".contains($0) }) else { return false }
        } else if !text.isEmpty {
          handler.parser(self, foundCharacters: text)
        }
      } else if self.at("<?") {
        guard self.section("<?", to: "?>") != nil else { return false }
      } else if self.at("<!--") {
        guard self.section("<!--", to: "-->") != nil else { return false }
      } else if self.at("<![CDATA[") {
        guard !open.isEmpty, let text = self.section("<![CDATA[", to: "]]>") else { return false }
        handler.parser(self, foundCharacters: text)
      } else if self.at("<!") {
        return false  // a DTD or a declaration: never read
      } else if self.at("</") {
        self.position += 2
        guard let name = self.name(), let last = open.last, name == last else { return false }
        self.whitespace()
        guard self.take(">") else { return false }
        open.removeLast()
        handler.parser(self, didEnd: Self.local(name))
      } else {
        guard !(open.isEmpty && sawRoot) else { return false }  // a second root
        self.position += 1
        guard let name = self.name(), let tag = self.attributes() else { return false }
        sawRoot = true
        handler.parser(self, didStart: Self.local(name), attributes: tag.attributes)
        if tag.empty {
          if !self.aborted { handler.parser(self, didEnd: Self.local(name)) }
        } else {
          open.append(name)
        }
      }
    }
    return !self.aborted && open.isEmpty && sawRoot
  }

  // MARK: Pieces

  private static let spaces: Set<UInt8> = Set(" \t\r\n".utf8)
  /// Bytes that end a name (or cannot be in one).
  private static let nameEnds: Set<UInt8> = Set(" \t\r\n/>=<'\"!?&;".utf8)

  private static func local(_ name: String) -> String {
    guard let colon = name.lastIndex(of: ":") else { return name }
    return String(name[name.index(after: colon)...])
  }

  private func at(_ literal: String) -> Bool {
    let literal = Array(literal.utf8)
    return self.bytes.count - self.position >= literal.count
      && self.bytes[self.position..<self.position + literal.count].elementsEqual(literal)
  }

  private func take(_ literal: String) -> Bool {
    guard self.at(literal) else { return false }
    self.advance(by: literal.utf8.count)
    return true
  }

  /// Moves on `count` bytes, counting lines; a control character XML does not allow ends the
  /// parse as malformed (every loop stops on `aborted`).
  private func advance(by count: Int = 1) {
    for _ in 0..<count {
      let byte = self.bytes[self.position]
      if byte == UInt8(ascii: "\n") {
        self.lineNumber += 1
        self.lineStart = self.position + 1
      } else if byte < 0x20, byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\r") {
        self.aborted = true
        return
      }
      self.position += 1
    }
  }

  /// The text between `opening` and `closing`, raw; nil (position at the end) when unclosed.
  private func section(_ opening: String, to closing: String) -> String? {
    guard self.take(opening) else { return nil }
    let start = self.position
    while self.position < self.bytes.count, !self.aborted {
      if self.at(closing) {
        let text = Self.lines(self.bytes[start..<self.position])
        self.advance(by: closing.utf8.count)
        return text
      }
      self.advance()
    }
    return nil
  }

  private func whitespace() {
    while self.position < self.bytes.count, Self.spaces.contains(self.bytes[self.position]) {
      self.advance()
    }
  }

  private func name() -> String? {
    let start = self.position
    while self.position < self.bytes.count, !self.aborted,
      !Self.nameEnds.contains(self.bytes[self.position])
    {
      self.advance()
    }
    guard self.position > start, !self.aborted else { return nil }
    let first = self.bytes[start]
    guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), first != UInt8(ascii: "-"),
      first != UInt8(ascii: ".")
    else { return nil }
    return String(decoding: self.bytes[start..<self.position], as: UTF8.self)
  }

  /// A start tag's attributes up to its `>` (or `/>`: `empty`); nil when malformed.
  private func attributes() -> (attributes: [String: String], empty: Bool)? {
    var attributes: [String: String] = [:]
    var names: Set<String> = []
    while true {
      let before = self.position
      self.whitespace()
      if self.take("/>") { return (attributes, true) }
      if self.take(">") { return (attributes, false) }
      guard self.position > before, let name = self.name(), names.insert(name).inserted else {
        return nil
      }
      self.whitespace()
      guard self.take("=") else { return nil }
      self.whitespace()
      guard self.position < self.bytes.count else { return nil }
      let quote = self.bytes[self.position]
      guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
      self.advance()
      let start = self.position
      while self.position < self.bytes.count, !self.aborted, self.bytes[self.position] != quote {
        guard self.bytes[self.position] != UInt8(ascii: "<") else { return nil }
        self.advance()
      }
      guard self.position < self.bytes.count, !self.aborted,
        let value = Self.decoded(self.bytes[start..<self.position])
      else { return nil }
      self.advance()
      if name != "xmlns", !name.hasPrefix("xmlns:") { attributes[Self.local(name)] = value }
    }
  }

  /// Character data up to the next `<`, entities decoded; nil when an entity is malformed.
  private func characterData() -> String? {
    let start = self.position
    while self.position < self.bytes.count, self.bytes[self.position] != UInt8(ascii: "<") {
      self.advance()
      if self.aborted { return nil }
    }
    return Self.decoded(self.bytes[start..<self.position])
  }

  /// Line ends as XML reads them: CR LF and a lone CR become LF.
  private static func lines(_ raw: ArraySlice<UInt8>) -> String {
    String(decoding: raw, as: UTF8.self).replacing("\r\n", with: "\n").replacing("\r", with: "\n")
  }

  /// `raw` with its entity and character references replaced; nil for an unknown or malformed
  /// reference.
  private static func decoded(_ raw: ArraySlice<UInt8>) -> String? {
    let text = Self.lines(raw)
    guard text.contains("&") else { return text }
    var result = ""
    var rest = Substring(text)
    while let ampersand = rest.firstIndex(of: "&") {
      result += rest[..<ampersand]
      let afterAmpersand = rest.index(after: ampersand)
      guard let semicolon = rest[afterAmpersand...].prefix(12).firstIndex(of: ";") else {
        return nil
      }
      let reference = rest[afterAmpersand..<semicolon]
      switch reference {
      case "lt": result += "<"
      case "gt": result += ">"
      case "amp": result += "&"
      case "quot": result += "\""
      case "apos": result += "'"
      default:
        let digits = reference.dropFirst(reference.hasPrefix("#x") ? 2 : 1)
        guard reference.hasPrefix("#"), !digits.isEmpty,
          let value = UInt32(digits, radix: reference.hasPrefix("#x") ? 16 : 10),
          let scalar = UnicodeScalar(value),
          value >= 0x20 || [0x09, 0x0A, 0x0D].contains(value)
        else { return nil }
        result.unicodeScalars.append(scalar)
      }
      rest = rest[rest.index(after: semicolon)...]
    }
    return result + rest
  }
}

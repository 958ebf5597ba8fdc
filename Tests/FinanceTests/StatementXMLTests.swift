import ERPMoney
import Testing

@testable import Finance

/// The camt.053 reader's XML (``StatementXMLParser``): what a statement uses is read, the rest
/// is refused, and where it fails is reported.
@Suite("Finance: the statement XML reader")
struct StatementXMLTests {
  /// Records the callbacks as text: `<name attr=value>`, `"text"`, `</name>`.
  final class Recorder: StatementXMLHandler {
    var events: [String] = []

    func parser(_ parser: StatementXMLParser, didStart name: String, attributes: [String: String]) {
      let attributes = attributes.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }
      self.events.append("<\(name)\(attributes.joined())>")
    }

    func parser(_ parser: StatementXMLParser, foundCharacters text: String) {
      if case .some(let last) = self.events.last, last.hasPrefix("\"") {
        self.events[self.events.count - 1] = String(last.dropLast()) + text + "\""
      } else {
        self.events.append("\"\(text)\"")
      }
    }

    func parser(_ parser: StatementXMLParser, didEnd name: String) {
      self.events.append("</\(name)>")
    }
  }

  private func read(_ text: String) -> (ok: Bool, events: [String], line: Int, column: Int) {
    let parser = StatementXMLParser(text)
    let recorder = Recorder()
    let ok = parser.parse(recorder)
    return (ok, recorder.events, parser.lineNumber, parser.columnNumber)
  }

  @Test("elements by local name, attributes, entities, character references, CDATA, Arabic")
  func wellFormed() {
    let result = self.read(
      """
      \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
      <!-- a statement -->
      <c:Document xmlns:c="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" xmlns="urn:x">
        <Amt Ccy='SAR' c:Kind="a&amp;b">1&#46;5&#x30;</Amt>
        <Ustrd>شركة &lt;الرياض&gt; &quot;&apos;<![CDATA[<not a tag> & raw]]></Ustrd>
        <Empty/>
      </c:Document>
      """
    )
    #expect(result.ok)
    // Text between elements (the layout's whitespace) left out.
    let significant = result.events.filter {
      !$0.hasPrefix("\"") || !$0.dropFirst().dropLast().allSatisfy(\.isWhitespace)
    }
    #expect(
      significant == [
        "<Document>", "<Amt Ccy=SAR Kind=a&b>", "\"1.50\"", "</Amt>", "<Ustrd>",
        "\"شركة <الرياض> \"'<not a tag> & raw\"", "</Ustrd>", "<Empty>", "</Empty>",
        "</Document>",
      ]
    )
  }

  @Test(
    "refused: DTD, unknown entity, bad reference, tags mismatched or unclosed, two roots, controls",
    arguments: [
      ("<!DOCTYPE d [<!ENTITY a \"x\">]><d>&a;</d>", 1),
      ("<d>&a;</d>", 1),
      ("<d>&#0;</d>", 1),
      ("<d>&#xZZ;</d>", 1),
      ("<d>& </d>", 1),
      ("<d>\n<e></d>", 2),
      ("<d>\n<e>", 2),
      ("<d/><e/>", 1),
      ("<d a=\"1\" a=\"2\"/>", 1),
      ("<d a=1/>", 1),
      ("<d>\n\n<e \u{01}/></d>", 3),
      ("<d><!-- unclosed </d>", 1),
      ("text<d/>", 1),
      ("", 1),
    ]
  )
  func refused(text: String, line: Int) {
    let result = self.read(text)
    #expect(!result.ok)
    #expect(result.line == line)
  }

  @Test("a camt.053 error names the line: the malformed tag on line 4")
  func malformedLine() throws {
    let error = #expect(throws: (any Error).self) {
      _ = try CamtStatement.parse(
        "<Document>\n<BkToCstmrStmt>\n<Stmt>\n<Ntry <Amt>\n</Stmt>",
        currency: Currency(code: "SAR")!
      )
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("line 4: malformed XML at column"))
  }
}

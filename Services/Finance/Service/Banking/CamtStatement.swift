import ERPMoney
import ERPStore
import Foundation
import GRPCCore

/// An ISO 20022 BankToCustomerStatement (camt.053) read with ``StatementXMLParser``: a
/// streaming reader that reports the line of every problem and needs no mapping of camt's deep
/// nesting onto Codable types as XMLCoder would (and, unlike Foundation's XMLParser, no libxml2
/// and ICU in finance's image). Elements are matched by local name whatever the namespace
/// version (001.02 to 001.13). Read: Stmt/Id, Acct/Id/IBAN, Acct/Ccy, the OPBD (or PRCD) and
/// CLBD balances, and per Ntry its Amt@Ccy, CdtDbtInd, BookgDt (Dt or DtTm), AcctSvcrRef,
/// NtryRef, the creditor reference or end-to-end id, and RmtInf/Ustrd or AddtlNtryInf.
/// A DTD is refused outright (no entity expansion, no external entities).
enum CamtStatement {
  static func parse(_ text: String, currency: Currency) throws -> ParsedStatement {
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
      throw RPCError(code: .invalidArgument, message: "statement_text: a DTD is not accepted")
    }
    let reader = Reader(currency: currency)
    let parser = StatementXMLParser(text)
    let parsed = parser.parse(reader)
    if let problem = reader.problem { throw problem }
    guard parsed else {
      throw statementProblem(
        line: parser.lineNumber,
        "malformed XML at column \(parser.columnNumber)"
      )
    }
    guard reader.statements == 1 else {
      throw RPCError(
        code: .invalidArgument,
        message: reader.statements == 0
          ? "statement_text: no BkToCstmrStmt/Stmt element: not a camt.053 statement"
          : "statement_text: \(reader.statements) Stmt elements; import one statement at a time"
      )
    }
    return reader.statement
  }

  /// The delegate: a stack of element names, the text of the current element, and the entry or
  /// balance being read.
  final class Reader: StatementXMLHandler {
    let currency: Currency
    var statement = ParsedStatement()
    var statements = 0
    var problem: RPCError?
    var path: [String] = []
    var text = ""
    var amountCurrency = ""
    var entry = Entry()
    var balance = Balance()

    struct Entry {
      var amount = ""
      var credit = ""
      var date = ""
      var servicerReference = ""
      var entryReference = ""
      var creditorReference = ""
      var endToEnd = ""
      var unstructured: [String] = []
      var additional = ""
      var line = 0
    }

    struct Balance {
      var code = ""
      var amount = ""
      var credit = ""
      var line = 0
    }

    init(currency: Currency) { self.currency = currency }

    func fail(_ parser: StatementXMLParser, _ problem: String) {
      guard self.problem == nil else { return }
      self.problem = statementProblem(line: parser.lineNumber, problem)
      parser.abortParsing()
    }

    func parser(
      _ parser: StatementXMLParser,
      didStart name: String,
      attributes: [String: String]
    ) {
      self.path.append(name)
      self.text = ""
      switch name {
      case "Stmt" where self.path.contains("BkToCstmrStmt"):
        self.statements += 1
      case "Ntry": self.entry = Entry(line: parser.lineNumber)
      case "Bal": self.balance = Balance(line: parser.lineNumber)
      case "Amt": self.amountCurrency = attributes["Ccy"] ?? ""
      default: break
      }
      if self.path.count > 40 { self.fail(parser, "elements nested too deep") }
    }

    func parser(_ parser: StatementXMLParser, foundCharacters string: String) {
      guard self.text.unicodeScalars.count < 2_000 else {
        return self.fail(parser, "an element's text is longer than 2000 characters")
      }
      self.text += string
    }

    /// Whether the element just closed sits under `ancestor` (and, if given, `parent`).
    func within(_ ancestor: String, parent: String? = nil) -> Bool {
      let above = self.path.dropLast()
      if let parent, above.last != parent { return false }
      return above.contains(ancestor)
    }

    func parser(_ parser: StatementXMLParser, didEnd name: String) {
      let value = self.text.trimmingCharacters(in: .whitespacesAndNewlines)
      defer {
        self.path.removeLast()
        self.text = ""
      }
      guard self.path.contains("Stmt") else { return }
      if self.within("Ntry") {
        self.endInEntry(parser, name, value)
      } else if self.within("Bal") {
        self.endInBalance(parser, name, value)
      } else {
        switch name {
        case "Id" where self.path.dropLast().last == "Stmt": self.statement.statementID = value
        case "IBAN" where self.within("Acct"): self.statement.iban = value
        case "Ccy" where self.within("Acct", parent: "Acct"): self.statement.currency = value
        case "Ntry": self.finishEntry(parser)
        case "Bal": self.finishBalance(parser)
        default: break
        }
      }
    }

    func endInEntry(_ parser: StatementXMLParser, _ name: String, _ value: String) {
      let parent = self.path.dropLast().last
      switch name {
      case "Amt" where parent == "Ntry":
        self.entry.amount = value
        self.checkCurrency(parser)
      case "CdtDbtInd" where parent == "Ntry": self.entry.credit = value
      case "Dt" where parent == "BookgDt", "DtTm" where parent == "BookgDt":
        self.entry.date = String(value.prefix(10))
      case "AcctSvcrRef" where parent == "Ntry": self.entry.servicerReference = value
      case "NtryRef" where parent == "Ntry": self.entry.entryReference = value
      case "Ref" where parent == "CdtrRefInf": self.entry.creditorReference = value
      case "EndToEndId" where value != "NOTPROVIDED": self.entry.endToEnd = value
      case "Ustrd": self.entry.unstructured.append(value)
      case "AddtlNtryInf": self.entry.additional = value
      default: break
      }
    }

    func endInBalance(_ parser: StatementXMLParser, _ name: String, _ value: String) {
      let parent = self.path.dropLast().last
      switch name {
      case "Cd" where parent == "CdOrPrtry": self.balance.code = value
      case "Amt" where parent == "Bal":
        self.balance.amount = value
        self.checkCurrency(parser)
      case "CdtDbtInd" where parent == "Bal": self.balance.credit = value
      default: break
      }
    }

    func checkCurrency(_ parser: StatementXMLParser) {
      guard self.amountCurrency == self.currency.code else {
        return self.fail(
          parser,
          "Amt@Ccy \(quoted(self.amountCurrency, limit: 3)) is not the account's \(self.currency)"
        )
      }
    }

    /// A signed amount from camt's unsigned Amt and its CdtDbtInd (CRDT money in).
    func signed(
      _ parser: StatementXMLParser,
      _ amount: String,
      _ indicator: String,
      _ what: String
    )
      -> Int64?
    {
      guard let value = StatementValues.minorUnits(amount, currency: self.currency),
        value >= 0, !amount.contains(",")
      else {
        self.fail(parser, "\(what) Amt \(quoted(amount)) is not an amount in \(self.currency)")
        return nil
      }
      switch indicator {
      case "CRDT": return value
      case "DBIT": return -value
      default:
        self.fail(parser, "\(what) CdtDbtInd must be CRDT or DBIT")
        return nil
      }
    }

    func finishEntry(_ parser: StatementXMLParser) {
      guard let amount = self.signed(parser, self.entry.amount, self.entry.credit, "Ntry")
      else { return }
      guard amount != 0 else { return self.fail(parser, "Ntry Amt is zero") }
      guard let date = StatementValues.date(self.entry.date, pattern: "yyyy-MM-dd") else {
        return self.fail(parser, "Ntry BookgDt \(quoted(self.entry.date)) is not a date")
      }
      let reference =
        [self.entry.creditorReference, self.entry.endToEnd, self.entry.entryReference]
        .first { !$0.isEmpty } ?? ""
      let description =
        self.entry.unstructured.isEmpty
        ? self.entry.additional : self.entry.unstructured.joined(separator: " ")
      self.statement.lines.append(
        ParsedLine(
          date: date,
          amountMinor: amount,
          reference: reference,
          description: description,
          bankReference: self.entry.servicerReference.isEmpty
            ? self.entry.entryReference : self.entry.servicerReference
        )
      )
    }

    func finishBalance(_ parser: StatementXMLParser) {
      let opening = ["OPBD", "PRCD"].contains(self.balance.code)
      guard opening || self.balance.code == "CLBD" else { return }
      guard
        let amount = self.signed(
          parser,
          self.balance.amount,
          self.balance.credit,
          "Bal \(self.balance.code)"
        )
      else { return }
      if opening {
        if self.statement.opening == nil || self.balance.code == "OPBD" {
          self.statement.opening = amount
        }
      } else {
        self.statement.closing = amount
      }
    }
  }
}

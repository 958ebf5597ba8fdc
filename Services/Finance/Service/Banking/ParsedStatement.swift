import Crypto
import ERPMoney
import ERPStore
import GRPCCore

/// A statement as read from a bank's file, before it is stored: signed amounts in minor units
/// of the bank account's currency (money in positive), the balances when the file gives them.
struct ParsedStatement: Sendable {
  /// The bank's statement id; empty when the file has none (a digest of the lines stands in).
  var statementID = ""
  /// What the file says of the account, checked against the bank account when present.
  var iban = ""
  var currency = ""
  var opening: Int64?
  var closing: Int64?
  var lines: [ParsedLine] = []

  /// The statement's identity on its account: the bank's id, else a digest of its lines.
  var key: String {
    if !self.statementID.isEmpty { return "id:" + self.statementID }
    var text = "\(self.opening ?? 0)|\(self.closing ?? 0)"
    for key in self.lineKeys { text += "|" + key }
    return "sha256:" + Self.digest(text)
  }

  /// Each line's identity on its account: the bank's own reference for it when the file has
  /// one, else a digest of its date, amount, reference and description with how many identical
  /// lines came before it in this statement (two equal transfers on one day stay two lines).
  var lineKeys: [String] {
    var seen: [String: Int] = [:]
    return self.lines.map { line in
      if !line.bankReference.isEmpty { return "ref:" + line.bankReference }
      let content =
        "\(line.date.postgresText)|\(line.amountMinor)|\(line.reference)|\(line.description)"
      let occurrence = seen[content, default: 0]
      seen[content] = occurrence + 1
      return "sha256:" + Self.digest(content + "|\(occurrence)")
    }
  }

  static func digest(_ text: String) -> String {
    SHA256.hash(data: Array(text.utf8)).map { byte in
      let hex = String(byte, radix: 16)
      return byte < 16 ? "0" + hex : hex
    }.joined()
  }

  /// Opening plus lines must give the closing balance when the file states both.
  func checkBalances(currency: Currency) throws {
    guard let opening = self.opening, let closing = self.closing else { return }
    let sum = self.lines.reduce(opening) { $0 &+ $1.amountMinor }
    guard sum == closing else {
      throw RPCError(
        code: .invalidArgument,
        message: "statement_text: the opening balance \(display(opening, currency)) plus the "
          + "lines (\(display(sum - opening, currency))) is not the closing balance "
          + display(closing, currency)
      )
    }
  }
}

struct ParsedLine: Sendable, Hashable {
  var date: CalendarDate
  var amountMinor: Int64
  var reference: String
  var description: String
  /// The bank's reference for the entry (camt.053 AcctSvcrRef or NtryRef), its identity.
  var bankReference = ""
}

/// "1.250 KWD" from minor units, for messages.
func display(_ units: Int64, _ currency: Currency) -> String {
  LedgerValues.display(units, currency)
}

/// INVALID_ARGUMENT for a problem of the file, naming the line.
func statementProblem(line: Int, _ problem: String) -> RPCError {
  RPCError(code: .invalidArgument, message: "statement_text: line \(line): \(problem)")
}

import ERPMoney
import ERPStore
import Foundation

/// The automatic matcher, a pure function of the free lines of both sides so that it can be
/// tested on its own. A statement line and a book line are candidates when their amounts are
/// equal and their dates at most `window` days apart. Confidence (0 to 100): 50 for the amount,
/// 40 when both carry the same reference (a word with a digit, such as RCPT-000012 or the
/// payment's reference), up to 10 for closeness in time (10 on the same day); 20 less when there
/// is no common reference and the amount fits more than one line on either side. Pairs at or
/// above `minimum` are taken best first (then closest in time, then oldest), each line once.
enum AutoMatching {
  struct Side: Sendable {
    /// Days since 1970 (``StatementValues/dayNumber(_:)``).
    var day: Int
    var amount: Int64
    var tokens: Set<String>
  }

  struct Proposal: Sendable, Equatable {
    var statement: Int
    var book: Int
    var confidence: Int
    var reason: String
  }

  static func propose(
    statement: [Side],
    book: [Side],
    window: Int,
    minimum: Int,
    currency: Currency
  ) -> [Proposal] {
    var bookByAmount: [Int64: [Int]] = [:]
    for (index, line) in book.enumerated() { bookByAmount[line.amount, default: []].append(index) }
    var statementByAmount: [Int64: [Int]] = [:]
    for (index, line) in statement.enumerated() {
      statementByAmount[line.amount, default: []].append(index)
    }
    var pairs: [(proposal: Proposal, days: Int)] = []
    for (s, line) in statement.enumerated() {
      let candidates = (bookByAmount[line.amount] ?? []).filter {
        abs(book[$0].day - line.day) <= window
      }
      for b in candidates {
        let days = abs(book[b].day - line.day)
        let rivals =
          (statementByAmount[line.amount] ?? []).filter {
            abs(statement[$0].day - book[b].day) <= window
          }.count
        let common = line.tokens.intersection(book[b].tokens).sorted()
        var confidence = 50 + 10 * (window + 1 - days) / (window + 1)
        var reason = "amount \(LedgerValues.display(line.amount, currency))"
        if let reference = common.first {
          confidence += 40
          reason += "; reference \(quoted(reference, limit: 40)) on both"
        } else if candidates.count > 1 || rivals > 1 {
          confidence -= 20
          reason += "; no common reference, \(max(candidates.count, rivals)) lines of that amount"
        } else {
          reason += "; no common reference, the only line of that amount"
        }
        reason += days == 0 ? "; same day" : days == 1 ? "; 1 day apart" : "; \(days) days apart"
        guard confidence >= minimum else { continue }
        pairs.append(
          (Proposal(statement: s, book: b, confidence: confidence, reason: reason), days)
        )
      }
    }
    pairs.sort {
      ($0.proposal.confidence, -$0.days, -$0.proposal.statement, -$0.proposal.book)
        > ($1.proposal.confidence, -$1.days, -$1.proposal.statement, -$1.proposal.book)
    }
    var usedStatement = Set<Int>()
    var usedBook = Set<Int>()
    var chosen: [Proposal] = []
    for (proposal, _) in pairs
    where !usedStatement.contains(proposal.statement) && !usedBook.contains(proposal.book) {
      usedStatement.insert(proposal.statement)
      usedBook.insert(proposal.book)
      chosen.append(proposal)
    }
    return chosen.sorted { $0.statement < $1.statement }
  }

  /// The words of `texts` that can be references: at least 4 characters with a digit among
  /// them, upper-cased, without surrounding punctuation.
  static func tokens(_ texts: [String]) -> Set<String> {
    var tokens = Set<String>()
    for text in texts {
      for word in text.split(whereSeparator: { $0.isWhitespace || $0 == "," || $0 == ";" }) {
        let trimmed = word.trimmingCharacters(in: .punctuationCharacters).uppercased()
        if trimmed.count >= 4, trimmed.contains(where: \.isNumber) { tokens.insert(trimmed) }
      }
    }
    return tokens
  }
}

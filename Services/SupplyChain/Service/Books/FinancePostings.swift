import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// What supply chain tells finance, through the outbox: a supplier bill per goods receipt and
/// a journal entry per shipment or stock adjustment. Each carries an idempotency key made from
/// the document's number, so finance records it once however often it is delivered. Accounts
/// are named by role (`@inventory`) in the queued request and resolved against the tenant's
/// chart when delivered, so a renumbered chart still works.
enum FinancePostings {
  static let billTopic = "finance.bill"
  static let entryTopic = "finance.entry"

  /// An account named by its role, resolved at delivery.
  static func role(_ name: String) -> String { "@" + name }

  static func queueBill(
    _ session: PostgresSession,
    key: String,
    _ bill: Erp_Finance_V1_IssueInvoiceRequest
  ) async throws {
    var bill = bill
    bill.requestID = key
    try await Outbox.enqueue(session, topic: Self.billTopic, key: key, payload: try bill.jsonString())
  }

  static func queueEntry(
    _ session: PostgresSession,
    key: String,
    _ entry: Erp_Finance_V1_PostEntryRequest
  ) async throws {
    var entry = entry
    entry.requestID = key
    try await Outbox.enqueue(
      session,
      topic: Self.entryTopic,
      key: key,
      payload: try entry.jsonString()
    )
  }

  /// A two-line entry: `amount` debited to one role's account and credited to another's.
  static func entry(
    date: CalendarDate,
    memo: String,
    source: (type: String, id: String),
    debit: String,
    credit: String,
    amount: Int64,
    currency: String
  ) -> Erp_Finance_V1_PostEntryRequest {
    var entry = Erp_Finance_V1_PostEntryRequest()
    entry.date = date.proto
    entry.memo = memo
    entry.sourceType = source.type
    entry.sourceID = source.id
    var money = Erp_Common_V1_Money()
    money.currencyCode = currency
    money.unitsMinor = amount
    var debitLine = Erp_Finance_V1_EntryLine()
    debitLine.accountCode = Self.role(debit)
    debitLine.debit = money
    var creditLine = Erp_Finance_V1_EntryLine()
    creditLine.accountCode = Self.role(credit)
    creditLine.credit = money
    entry.lines = [debitLine, creditLine]
    return entry
  }

  /// The outbox relay's delivery function: sends the message to finance and answers the bill
  /// or entry number.
  static func deliver(_ peers: PeerClients) -> OutboxRelay.Deliver {
    { _, message in
      let client = try peers.client("finance")
      let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
      switch message.topic {
      case Self.billTopic:
        var bill = try Erp_Finance_V1_IssueInvoiceRequest(jsonString: message.payload)
        let accounts = try await Self.accountsByRole(ledger)
        for index in bill.lines.indices {
          bill.lines[index].accountCode = try Self.resolve(bill.lines[index].accountCode, accounts)
        }
        return try await Erp_Finance_V1_Billing.Client(wrapping: client).issueInvoice(bill).number
      case Self.entryTopic:
        var entry = try Erp_Finance_V1_PostEntryRequest(jsonString: message.payload)
        let accounts = try await Self.accountsByRole(ledger)
        for index in entry.lines.indices {
          entry.lines[index].accountCode = try Self.resolve(
            entry.lines[index].accountCode,
            accounts
          )
        }
        return try await ledger.postEntry(entry).number
      default:
        throw RPCError(code: .internalError, message: "outbox: unknown topic \(message.topic)")
      }
    }
  }

  private static func accountsByRole(
    _ ledger: Erp_Finance_V1_Ledger.Client<some ClientTransport>
  ) async throws -> [String: String] {
    let accounts = try await ledger.listAccounts(Erp_Finance_V1_ListAccountsRequest()).accounts
    return Dictionary(
      accounts.filter { !$0.role.isEmpty }.map { ($0.role, $0.code) },
      uniquingKeysWith: { first, _ in first }
    )
  }

  private static func resolve(_ code: String, _ accounts: [String: String]) throws -> String {
    guard code.hasPrefix("@") else { return code }
    guard let resolved = accounts[String(code.dropFirst())] else {
      throw RPCError(
        code: .failedPrecondition,
        message: "finance has no account with role \(code.dropFirst())"
      )
    }
    return resolved
  }
}

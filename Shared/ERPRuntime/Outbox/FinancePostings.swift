public import ERPProtos
public import ERPStore
import GRPCCore
import SwiftProtobuf

/// What the other services tell finance, through their outbox: supplier bills for goods
/// received, journal entries for shipments, stock adjustments and payroll. Each carries an
/// idempotency key made from the document's number, so finance records it once however often
/// it is delivered. Accounts are named by role (`@inventory`) in the queued request and resolved
/// against the tenant's chart when delivered, so a renumbered chart still works.
public enum FinancePostings {
  public static let billTopic = "finance.bill"
  public static let entryTopic = "finance.entry"

  /// An account named by its role, resolved at delivery.
  public static func role(_ name: String) -> String { "@" + name }

  /// Queues a supplier bill or customer invoice under `key` (its request id at finance).
  public static func queueBill(
    _ session: PostgresSession,
    key: String,
    _ bill: Erp_Finance_V1_IssueInvoiceRequest
  ) async throws {
    var bill = bill
    bill.requestID = key
    try await Self.queue(session, Self.billTopic, key, bill)
  }

  /// Queues a journal entry under `key` (its request id at finance).
  public static func queueEntry(
    _ session: PostgresSession,
    key: String,
    _ entry: Erp_Finance_V1_PostEntryRequest
  ) async throws {
    var entry = entry
    entry.requestID = key
    try await Self.queue(session, Self.entryTopic, key, entry)
  }

  private static func queue(
    _ session: PostgresSession,
    _ topic: String,
    _ key: String,
    _ message: some SwiftProtobuf.Message
  ) async throws {
    try await Outbox.enqueue(session, topic: topic, key: key, payload: try message.jsonString())
  }

  /// A two-line entry: `amount` debited to one role's account and credited to another's.
  public static func entry(
    date: CalendarDate,
    memo: String,
    source: (type: String, id: String),
    debit: String,
    credit: String,
    amount: Int64,
    currency: String
  ) -> Erp_Finance_V1_PostEntryRequest {
    Self.entry(
      date: date,
      memo: memo,
      source: source,
      currency: currency,
      lines: [(debit, amount, 0, ""), (credit, 0, amount, "")]
    )
  }

  /// An entry of lines on accounts named by role, each with a debit or a credit amount.
  public static func entry(
    date: CalendarDate,
    memo: String,
    source: (type: String, id: String),
    currency: String,
    lines: [(role: String, debit: Int64, credit: Int64, memo: String)]
  ) -> Erp_Finance_V1_PostEntryRequest {
    var entry = Erp_Finance_V1_PostEntryRequest()
    entry.date = date.proto
    entry.memo = memo
    entry.sourceType = source.type
    entry.sourceID = source.id
    entry.lines = lines.map { line in
      Erp_Finance_V1_EntryLine(
        account: Self.role(line.role),
        debit: line.debit,
        credit: line.credit,
        currency: currency,
        memo: line.memo
      )
    }
    return entry
  }

  /// The outbox relay's delivery function: sends the message to finance and answers the bill
  /// or entry number.
  public static func deliver(_ peers: PeerClients) -> OutboxRelay.Deliver {
    { _, message in
      let client = try peers.client("finance")
      let ledger = Erp_Finance_V1_Ledger.Client(wrapping: client)
      switch message.topic {
      case Self.billTopic:
        var bill = try Erp_Finance_V1_IssueInvoiceRequest(jsonString: message.payload)
        let account = try await Self.accountResolver(ledger)
        for index in bill.lines.indices {
          bill.lines[index].accountCode = try account(bill.lines[index].accountCode)
        }
        return try await Erp_Finance_V1_Billing.Client(wrapping: client).issueInvoice(bill).number
      case Self.entryTopic:
        var entry = try Erp_Finance_V1_PostEntryRequest(jsonString: message.payload)
        let account = try await Self.accountResolver(ledger)
        for index in entry.lines.indices {
          entry.lines[index].accountCode = try account(entry.lines[index].accountCode)
        }
        return try await ledger.postEntry(entry).number
      default:
        throw RPCError(code: .internalError, message: "outbox: unknown topic \(message.topic)")
      }
    }
  }

  /// Turns "@role" into the code of the tenant's account with that role (other codes pass
  /// through), from one read of the chart.
  private static func accountResolver(
    _ ledger: Erp_Finance_V1_Ledger.Client<some ClientTransport>
  ) async throws -> @Sendable (String) throws -> String {
    let accounts = try await ledger.listAccounts(Erp_Finance_V1_ListAccountsRequest()).accounts
    let byRole = Dictionary(
      accounts.filter { !$0.role.isEmpty }.map { ($0.role, $0.code) },
      uniquingKeysWith: { first, _ in first }
    )
    return { code in
      guard code.hasPrefix("@") else { return code }
      guard let resolved = byRole[String(code.dropFirst())] else {
        throw RPCError(
          code: .failedPrecondition,
          message: "finance has no account with role \(code.dropFirst())"
        )
      }
      return resolved
    }
  }
}

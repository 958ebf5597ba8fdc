public import ERPProtos
public import ERPStore
import GRPCCore
public import Logging
import SwiftProtobuf

/// What the other services tell finance, through their outbox: supplier bills for goods
/// received, journal entries for shipments, stock adjustments and payroll. Each carries an
/// idempotency key made from the document's number, so finance records it once however often
/// it is delivered. Accounts are named by role (`account_role`, e.g. inventory) in the queued
/// request and resolved by finance against the tenant's chart when it posts, so a renumbered
/// chart still works and a retry is the same request whatever the chart became meanwhile.
public enum FinancePostings {
  public static let billTopic = "finance.bill"
  public static let entryTopic = "finance.entry"

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
      var entryLine = Erp_Finance_V1_EntryLine(
        account: "",
        debit: line.debit,
        credit: line.credit,
        currency: currency,
        memo: line.memo
      )
      entryLine.accountRole = line.role
      return entryLine
    }
    return entry
  }

  /// The relay of a service whose outbox holds finance postings and partner events (HR,
  /// supply chain).
  public static func relay(
    pool: ConnectionPool,
    peers: PeerClients,
    logger: Logger,
    metrics: ServiceMetrics?
  ) -> OutboxRelay {
    OutboxRelay(
      pool: pool,
      logger: logger,
      metrics: metrics,
      deliver: PartnerEvents.deliver(peers, otherwise: Self.deliver(peers))
    )
  }

  /// The outbox relay's delivery function: sends the message to finance and answers the bill
  /// or entry number. Accounts go by role as queued; finance resolves them in the transaction
  /// that posts, so a retry after a chart change is the same request. A message queued by an
  /// older version names a role as `@role` in `account_code`; it is sent as the role.
  public static func deliver(_ peers: PeerClients) -> OutboxRelay.Deliver {
    { _, message in
      switch message.topic {
      case Self.billTopic:
        var bill = try message.decode(Erp_Finance_V1_IssueInvoiceRequest.self)
        for index in bill.lines.indices {
          if let role = Self.legacyRole(bill.lines[index].accountCode) {
            bill.lines[index].accountRole = role
          }
        }
        return try await peers.finance.billing.issueInvoice(bill).number
      case Self.entryTopic:
        var entry = try message.decode(Erp_Finance_V1_PostEntryRequest.self)
        for index in entry.lines.indices {
          if let role = Self.legacyRole(entry.lines[index].accountCode) {
            entry.lines[index].accountRole = role
          }
        }
        return try await peers.finance.ledger.postEntry(entry).number
      default:
        throw RPCError(code: .internalError, message: "outbox: unknown topic \(message.topic)")
      }
    }
  }

  /// The role in an `@role` account code, as versions before `account_role` queued it.
  private static func legacyRole(_ code: String) -> String? {
    code.hasPrefix("@") ? String(code.dropFirst()) : nil
  }
}

import Crypto
public import ERPProtos
public import ERPStore
import Foundation
import GRPCCore
public import SwiftProtobuf

/// Domain events for partners' webhooks: a service queues one in its outbox, in the transaction
/// of the change it describes, and the relay hands it to the gateway (`Events.PublishEvent`,
/// services' secret), which records it once per id and fans it out to the tenant's
/// subscriptions. The event id is derived from the outbox key (the change's own idempotency
/// key), so a retried request, a second delivery or a relay restarted after a crash all carry
/// the same id.
public enum PartnerEvents {
  /// The outbox topic; its receiver (``RelaySchedule/peer(ofTopic:)``) is the gateway.
  public static let topic = "gateway.event"

  /// The event types partners subscribe to: one list, which the services write and the
  /// gateway validates subscriptions against.
  public enum Kind: String, Sendable, CaseIterable {
    case customerCreated = "customer.created"
    case customerUpdated = "customer.updated"
    case customerMerged = "customer.merged"
    case opportunityStageChanged = "opportunity.stage_changed"
    case opportunityWon = "opportunity.won"
    case opportunityLost = "opportunity.lost"
    case orderConfirmed = "order.confirmed"
    case orderShipped = "order.shipped"
    case orderCancelled = "order.cancelled"
    case orderReturned = "order.returned"
    case invoiceIssued = "invoice.issued"
    case invoicePaid = "invoice.paid"
    case paymentRecorded = "payment.recorded"
    case goodsReceived = "goods.received"
    case stockBelowReorderPoint = "stock.below_reorder_point"
    case payrollRunApproved = "payroll_run.approved"
  }

  /// The stable id of the event queued under `key`: "evt_" and 32 hex digits of its SHA-256.
  public static func eventID(key: String) -> String {
    "evt_"
      + SHA256.hash(data: Data(key.utf8)).prefix(16).map { String(format: "%02x", $0) }
      .joined()
  }

  /// Queues a `kind` event with `data` in the caller's transaction. `key` names the change
  /// (its request id or document number): the same key is the same event.
  public static func queue(
    _ session: PostgresSession,
    _ kind: Kind,
    key: String,
    data: some SwiftProtobuf.Message
  ) async throws {
    let outboxKey = "event:\(kind.rawValue):\(key)"
    var event = Erp_Gateway_V1_PublishEventRequest()
    event.eventID = Self.eventID(key: outboxKey)
    event.type = kind.rawValue
    event.occurredAt = Google_Protobuf_Timestamp(date: Date())
    event.dataJson = try data.jsonString()
    try await Outbox.enqueue(
      session,
      topic: Self.topic,
      key: String(outboxKey.prefix(100)),
      payload: try event.jsonString()
    )
  }

  /// The relay's delivery: events to the gateway, every other topic to `otherwise`. Without a
  /// gateway configured (a service run alone) there is nobody to tell: the event is marked
  /// delivered with that as its result instead of being retried for ever.
  public static func deliver(
    _ peers: PeerClients,
    otherwise: @escaping OutboxRelay.Deliver
  ) -> OutboxRelay.Deliver {
    { tenant, message in
      guard message.topic == Self.topic else { return try await otherwise(tenant, message) }
      guard peers.isConfigured("gateway") else { return "dropped: no gateway configured" }
      let event = try message.decode(Erp_Gateway_V1_PublishEventRequest.self)
      let events = Erp_Gateway_V1_Events.Client(wrapping: try peers.client("gateway"))
      let answer = try await events.publishEvent(event)
      return "\(answer.deliveries) deliveries"
    }
  }

  /// The relay of a service whose outbox holds nothing but events (customers, finance).
  public static func relay(_ environment: ServiceEnvironment) -> OutboxRelay {
    OutboxRelay(
      pool: environment.pool,
      logger: environment.logger,
      metrics: environment.metrics,
      deliver: Self.deliver(environment.peers)
    )
  }

  /// The delivery of a service whose outbox holds nothing but events.
  public static func deliver(_ peers: PeerClients) -> OutboxRelay.Deliver {
    Self.deliver(peers) { _, message in
      throw RPCError(code: .internalError, message: "outbox: unknown topic \(message.topic)")
    }
  }
}

/// ``inCallingTenant(_:)`` for a handler whose writes may queue outbox messages that nothing
/// else in the call delivers (events of the customers and finance services): when the handler
/// wrote any, `relay`'s background loop is asked to visit the tenant at once, so the call does
/// not wait for the gateway and the event leaves within moments of the commit.
public func inCallingTenant<T: Sendable>(
  notifying relay: OutboxRelay?,
  _ body: (TenantID) async throws -> T
) async throws -> T {
  try await inCallingTenant { tenant in
    let result = try await body(tenant)
    if let relay, Outbox.written?.take().isEmpty == false { relay.visitLater(tenant) }
    return result
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import SwiftProtobuf

/// Order facts for the customers service (its timeline and RFM read them), queued in the
/// transaction of the order change they describe and delivered until acknowledged; the facts
/// partners subscribe to (``partnerKinds``) are queued for the gateway's webhooks as well.
enum OrderEvents {
  static let topic = "customers.event"

  /// The customers service's fact types that are also partner events.
  static let partnerKinds: [String: PartnerEvents.Kind] = [
    "order_confirmed": .orderConfirmed, "shipment_sent": .orderShipped,
    "order_cancelled": .orderCancelled, "order_returned": .orderReturned,
  ]

  static func queue(
    _ session: PostgresSession,
    _ order: OrderRow,
    type: String,
    summary: String,
    amount: Int64? = nil,
    key: String
  ) async throws {
    var event = Erp_Customers_V1_AppendEventRequest()
    event.requestID = key
    event.customerID = order.customerID
    event.source = "sales"
    event.eventType = type
    event.occurredAt = Google_Protobuf_Timestamp(date: Date())
    event.summary = summary
    event.reference = order.number
    if let amount { event.amount = Erp_Common_V1_Money(amount, order.currency) }
    try await Outbox.enqueue(session, topic: Self.topic, key: key, payload: try event.jsonString())
    if let kind = Self.partnerKinds[type] {
      var data = Erp_Gateway_V1_OrderEventData()
      data.orderNumber = order.number
      data.customerID = order.customerID
      data.fact = type
      data.summary = summary
      if event.hasAmount { data.amount = event.amount }
      try await PartnerEvents.queue(session, kind, key: key, data: data)
    }
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import SwiftProtobuf

/// Order facts for the customers service (its timeline and RFM read them), queued in the
/// transaction of the order change they describe and delivered until acknowledged.
enum OrderEvents {
  static let topic = "customers.event"

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
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import SwiftProtobuf

/// How the sales outbox reaches the other services: invoices through `FinancePostings`,
/// credit notes to finance once the invoice they credit has its number, order facts to the
/// customers service.
enum SalesDelivery {
  static func deliver(pool: ConnectionPool, peers: PeerClients) -> OutboxRelay.Deliver {
    let finance = FinancePostings.deliver(peers)
    return PartnerEvents.deliver(peers) { tenant, message in
      switch message.topic {
      case OrderEvents.topic:
        let event = try message.decode(Erp_Customers_V1_AppendEventRequest.self)
        let interactions = try peers.customers.interactions
        _ = try await interactions.appendEvent(event)
        return event.eventType
      case Invoicing.creditNoteTopic:
        var note = try message.decode(Erp_Finance_V1_IssueCreditNoteRequest.self)
        if note.invoiceNumber.hasPrefix("@key:") {
          let key = String(note.invoiceNumber.dropFirst(5))
          guard let issued = try await OrderStore.issuedNumber(pool, tenant, key: key) else {
            throw RPCError(
              code: .unavailable,
              message: "the invoice \(key) credits is not issued yet"
            )
          }
          note.invoiceNumber = issued
        }
        let billing = try peers.finance.billing
        return try await billing.issueCreditNote(note).number
      default:
        return try await finance(tenant, message)
      }
    }
  }
}

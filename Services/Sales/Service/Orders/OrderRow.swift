import GRPCCore

/// An order's header as the order-to-cash steps need it, read with its row locked
/// (``OrderStore/lock(_:)``).
struct OrderRow: Sendable {
  var id: Int64
  var number: String
  var status: OrderStatus
  var progress: OrderProgress
  var attempt: Int
  var customerID: String
  var customerName: String
  var currency: String
  var warehouse: String
  var total: Int64

  var state: OrderState { OrderState(self.status, self.progress) }

  /// What `event` does to this order now (``OrderLifecycle``).
  func transition(_ event: OrderEvent) -> OrderTransition {
    OrderLifecycle.transition(self.state, event)
  }

  /// The answer to an event the order's state refuses: FAILED_PRECONDITION naming the order.
  func refused(_ refusal: OrderRefusal) -> RPCError {
    RPCError(
      code: .failedPrecondition,
      message: refusal.message(number: self.number, status: self.status)
    )
  }

  func reservationID(_ line: Int) -> String {
    OrderReading.reservationID(self.number, line: line, attempt: self.attempt)
  }
}

/// An order line as the supply chain steps need it.
typealias OrderLineRef = (number: Int, sku: String, milli: Int64)

import ERPStore

/// Where an order stands: its status (what the API shows) and the cross-service step under way
/// (`progress`). The raw values are the strings stored in `sales_order`, so the schema's CHECK
/// constraints and the stored rows are those of before the enums.
enum OrderStatus: String, CaseIterable, Sendable {
  case quotation
  case converted
  case draft
  case confirmed
  case partlyShipped = "partly_shipped"
  case shipped
  case invoiced
  case paid
  case cancelled
}

/// The step of a saga an order is in: none, reserving its lines, or releasing them.
enum OrderProgress: String, CaseIterable, Sendable {
  case idle
  case confirming
  case cancelling
}

struct OrderState: Hashable, Sendable {
  var status: OrderStatus
  var progress: OrderProgress

  init(_ status: OrderStatus, _ progress: OrderProgress = .idle) {
    self.status = status
    self.progress = progress
  }
}

/// How far an order's lines have got, as ``Invoicing`` reads them from the lines and documents:
/// the status the shipments and invoices call for.
enum Fulfilled: CaseIterable, Sendable {
  case nothing
  case partly
  case shipped
  /// Shipped in full, invoiced in full, and every invoice issued in finance.
  case shippedAndInvoiced

  init(allShipped: Bool, someShipped: Bool, allInvoiced: Bool, issued: Bool) {
    if allShipped && allInvoiced && issued {
      self = .shippedAndInvoiced
    } else if allShipped {
      self = .shipped
    } else if someShipped {
      self = .partly
    } else {
      self = .nothing
    }
  }

  var status: OrderStatus {
    switch self {
    case .nothing: .confirmed
    case .partly: .partlyShipped
    case .shipped: .shipped
    case .shippedAndInvoiced: .invoiced
    }
  }
}

/// What happens to an order: a call asks for something, or a step of a saga finishes.
enum OrderEvent: Hashable, Sendable, CaseIterable {
  /// ConvertQuotation.
  case convert
  /// ConfirmOrder.
  case confirm
  /// Every line was reserved in the supply chain.
  case reserved
  /// A line could not be reserved (the others were released).
  case reservationRefused
  /// CancelOrder.
  case cancel
  /// Every line's reservation was released.
  case released
  /// ShipOrder.
  case ship
  /// ReturnGoods.
  case returnGoods
  /// Shipments or invoices changed; the status follows them.
  case settle(Fulfilled)
  /// Finance shows every invoice paid (or credited).
  case paid

  static var allCases: [OrderEvent] {
    [.convert, .confirm, .reserved, .reservationRefused, .cancel, .released, .ship, .returnGoods]
      + Fulfilled.allCases.map { .settle($0) } + [.paid]
  }
}

/// Why an event is refused; the call answers FAILED_PRECONDITION with ``message(number:status:)``.
enum OrderRefusal: Hashable, Sendable {
  case notQuotation
  case notDraft
  case goodsShipped
  case nothingToShip
  case nothingShipped

  func message(number: String, status: OrderStatus) -> String {
    switch self {
    case .notQuotation: "number: \(quoted(number)) is not a quotation"
    case .notDraft: "number: \(number) is \(status.rawValue); only a draft is confirmed"
    case .goodsShipped:
      "number: \(number) is \(status.rawValue); goods have shipped, return them instead"
    case .nothingToShip: "number: \(number) is \(status.rawValue); nothing to ship"
    case .nothingShipped: "number: \(number) is \(status.rawValue); nothing shipped to return"
    }
  }
}

/// The outcome of an event in a state.
enum OrderTransition: Hashable, Sendable {
  /// The order moves to this state (the caller records it, with the event's side effects).
  case move(to: OrderState)
  /// Allowed, and the state stays: the step under way is driven on (a confirmation or a
  /// cancellation resumed), or the request is recorded (a shipment, a return: their statuses
  /// follow by `settle`).
  case proceed
  /// Nothing to do: a repeat of what is done, or a step someone else already finished.
  case unchanged
  /// A step under way must finish first (a cancel while the order is being confirmed).
  case wait
  case refuse(OrderRefusal)
}

/// The order lifecycle as one pure function: every handler and the recovery worker ask it
/// before they change an order, under the order's row lock, so the rules live in one place and
/// are tested for every (state, event) pair without a database.
///
/// quotation → converted (ConvertQuotation makes a draft); draft → (confirming) → confirmed, or
/// back to draft when a line cannot be reserved; draft → cancelled; confirmed → (cancelling) →
/// cancelled; confirmed → partly shipped → shipped → invoiced as shipments and invoices settle;
/// invoiced → paid.
enum OrderLifecycle {
  static func transition(_ state: OrderState, _ event: OrderEvent) -> OrderTransition {
    let (status, progress) = (state.status, state.progress)
    switch event {
    case .convert:
      switch status {
      case .quotation: return .move(to: OrderState(.converted, progress))
      case .converted: return .unchanged
      default: return .refuse(.notQuotation)
      }
    case .confirm:
      switch (status, progress) {
      case (.draft, .idle): return .move(to: OrderState(.draft, .confirming))
      case (.draft, .confirming): return .proceed
      case (.draft, _), (.quotation, _), (.converted, _), (.cancelled, _):
        return .refuse(.notDraft)
      default: return .unchanged  // confirmed already, or further along: a repeat
      }
    case .reserved:
      return progress == .confirming ? .move(to: OrderState(.confirmed)) : .unchanged
    case .reservationRefused:
      return progress == .confirming ? .move(to: OrderState(status)) : .unchanged
    case .cancel:
      switch (status, progress) {
      case (.draft, .idle): return .move(to: OrderState(.cancelled))
      case (.confirmed, .idle): return .move(to: OrderState(.confirmed, .cancelling))
      case (.cancelled, .idle), (.cancelled, .confirming): return .unchanged
      case (.confirmed, .cancelling), (.cancelled, .cancelling): return .proceed
      case (_, .confirming): return .wait
      default: return .refuse(.goodsShipped)
      }
    case .released:
      return progress == .cancelling ? .move(to: OrderState(.cancelled)) : .unchanged
    case .ship:
      switch (status, progress) {
      case (.confirmed, .idle), (.partlyShipped, .idle): return .proceed
      default: return .refuse(.nothingToShip)
      }
    case .returnGoods:
      switch status {
      case .partlyShipped, .shipped, .invoiced, .paid: return .proceed
      default: return .refuse(.nothingShipped)
      }
    case .settle(let fulfilled):
      switch status {
      case .confirmed, .partlyShipped, .shipped, .invoiced:
        return fulfilled.status == status
          ? .unchanged : .move(to: OrderState(fulfilled.status, progress))
      default: return .unchanged
      }
    case .paid:
      return status == .invoiced ? .move(to: OrderState(.paid, progress)) : .unchanged
    }
  }
}

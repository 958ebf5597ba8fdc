import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Confirming and cancelling, the two steps that reserve and release stock in the supply
/// chain. Each is a small saga whose progress is persisted on the order:
///
/// - confirm: draft → credit check (``CreditCheck``) → (progress `confirming`) reserve every
///   line → confirmed. A line that cannot be reserved undoes the others (release) and the
///   order returns to draft with the reason; the supply chain unreachable leaves `confirming`
///   for the recovery worker to finish (the handler hands the tenant to it).
/// - cancel: confirmed → (progress `cancelling`) release every line → cancelled. An order
///   still confirming is waited for, within the call's deadline, while the worker finishes the
///   confirmation; then it is cancelled from where that left it (draft or confirmed).
///
/// Reservations are idempotent by order line id (per confirmation attempt), releases too, so
/// finishing a step twice (a retry, or recovery after a crash) does each thing once.
enum Confirmation {
  static func confirm(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String,
    override: CreditCheck.Override? = nil
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    let order = try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) {
      try await $0.lock(number)
    }
    switch order.transition(.confirm) {
    case .move(let state):
      try await Self.step("check_customer") {
        _ = try await PeerChecks.customer(context.peers, order.customerID)
      }
      try await Self.step("start") {
        try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
          let current = try await store.lock(number)
          guard current.transition(.confirm) == .move(to: state) else { return }
          // Under the customer's credit lock until this transaction commits the order as
          // confirming, which the next confirmation's exposure then counts.
          try await CreditCheck.check(store, context.peers, current, override: override)
          try await store.move(current, to: state, lastError: "", newAttempt: true)
        }
      }
      try await Self.driveConfirming(context, tenant, number: number)
    case .proceed:
      try await Self.driveConfirming(context, tenant, number: number)
    case .refuse(let refusal):
      throw order.refused(refusal)
    case .unchanged, .wait:
      break  // confirmed already, or further along: a repeat
    }
    return try await OrderReading.get(context.pool, tenant, number: number)
  }

  /// A handler's `finishConfirming`, marked as driven by this process while it runs (the
  /// handler hands the tenant to the worker if it stops half way, see ``OrdersAPI``).
  private static func driveConfirming(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws {
    try await context.recovery.driving(tenant, number) {
      try await Self.finishConfirming(context, tenant, number: number)
    }
  }

  /// Reserves every line (again: reservations are idempotent), then marks the order confirmed,
  /// or undoes them and returns it to draft when one cannot be reserved.
  static func finishConfirming(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws {
    let (order, lines) = try await OrderStore.withLines(context.pool, tenant, number: number)
    guard order.transition(.reserved) != .unchanged else { return }
    let stock = try context.peers.supplychain.stock
    try await Self.step("reserve_stock") {
      for (index, line) in lines.enumerated() {
        var reserve = Erp_Supplychain_V1_ReserveRequest()
        reserve.orderLineID = order.reservationID(line.number)
        reserve.orderID = order.number
        reserve.sku = line.sku
        reserve.warehouseCode = order.warehouse
        reserve.quantityMilli = line.milli
        do {
          _ = try await stock.reserve(reserve)
        } catch let error as RPCError
          where [.failedPrecondition, .notFound, .invalidArgument].contains(error.code)
        {
          let reason = "lines[\(index)] (\(line.sku)): \(error.message)"
          try await Self.step("release_stock") { try await Self.release(context, order, lines) }
          try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
            let current = try await store.lock(number)
            guard case .move(let state) = current.transition(.reservationRefused) else { return }
            try await store.move(current, to: state, lastError: reason)
          }
          throw RPCError(code: .failedPrecondition, message: reason)
        }
      }
    }
    context.faults.reservedAll()
    try await Self.step("finish") {
      try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
        let session = store.session
        let current = try await store.lock(number)
        guard case .move(let state) = current.transition(.reserved) else { return }
        try await store.move(current, to: state, lastError: "")
        try await OrderEvents.queue(
          session,
          current,
          type: "order_confirmed",
          summary: "Order \(current.number) confirmed",
          amount: current.total,
          key: "sales:\(current.number):confirmed"
        )
        if try await SalesSettingsStore.get(session).invoiceOn == .confirmation {
          try await Invoicing.queueInvoice(
            session,
            current,
            key: "sales:\(current.number):invoice",
            parts: lines.map { ($0.number, $0.milli) }
          )
        }
      }
    }
    try await Self.step("deliver_outbox") { _ = await context.relay.deliverWritten(tenant) }
  }

  /// Runs one step of the confirmation saga in a span of its own (`confirm_order.<step>`), so
  /// a trace shows where a confirmation spent its time or failed.
  private static func step<T>(
    _ name: String,
    _ body: () async throws -> T
  ) async throws -> T {
    try await ServiceTracer.current.withSpan("confirm_order.\(name)") { _ in try await body() }
  }

  /// How often a CancelOrder waiting for a confirmation looks at the order, and how long it
  /// waits when the call has no deadline.
  static let confirmationPoll: Duration = .milliseconds(100)
  static let confirmationWait: Duration = .seconds(10)

  static func cancel(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Sales_V1_SalesOrder
  {
    let deadline = RequestContext.deadline ?? (.now + Self.confirmationWait)
    var order = try await Self.startCancelling(context, tenant, number: number)
    if order == nil { context.recovery.soon(tenant) }
    while order == nil {
      // Stop early enough to answer before the caller's deadline.
      guard ContinuousClock.now + Self.confirmationPoll * 2 < deadline else {
        context.recovery.later(tenant)
        throw RPCError(
          code: .unavailable,
          message: "number: \(number) is still being confirmed (the supply chain has not "
            + "answered yet); retry"
        )
      }
      try await Task.sleep(for: Self.confirmationPoll)
      order = try await Self.startCancelling(context, tenant, number: number)
    }
    if order?.progress == .cancelling {
      try await context.recovery.driving(tenant, number) {
        try await Self.finishCancelling(context, tenant, number: number)
      }
    }
    return try await OrderReading.get(context.pool, tenant, number: number)
  }

  /// The first step of a cancel, in one transaction; nil while the order is being confirmed.
  private static func startCancelling(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws -> OrderRow? {
    try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
      let order = try await store.lock(number)
      switch order.transition(.cancel) {
      case .move(let state): try await store.move(order, to: state)
      case .proceed, .unchanged: break
      case .wait: return nil
      case .refuse(let refusal): throw order.refused(refusal)
      }
      return try await store.lock(number)
    }
  }

  /// Releases every line, then marks the order cancelled (crediting an invoice issued on
  /// confirmation).
  static func finishCancelling(
    _ context: SalesContext,
    _ tenant: TenantID,
    number: String
  ) async throws {
    let (order, lines) = try await OrderStore.withLines(context.pool, tenant, number: number)
    guard order.transition(.released) != .unchanged else { return }
    try await Self.release(context, order, lines)
    try await OrderStore.inTenant(context.pool, tenant, metrics: context.orders) { store in
      let session = store.session
      let current = try await store.lock(number)
      guard case .move(let state) = current.transition(.released) else { return }
      try await store.move(current, to: state)
      try await OrderEvents.queue(
        session,
        current,
        type: "order_cancelled",
        summary: "Order \(current.number) cancelled",
        key: "sales:\(current.number):cancelled"
      )
      let invoiceKey = "sales:\(current.number):invoice"
      if try await store.hasDocument(key: invoiceKey) {
        try await Invoicing.queueCreditNote(
          session,
          current,
          key: "sales:\(current.number):cancelled:credit",
          invoiceKey: invoiceKey,
          parts: lines.map { ($0.number, $0.milli) },
          reason: "order cancelled"
        )
      }
    }
    await context.relay.deliverWritten(tenant)
  }

  /// Releases the lines' reservations; one that does not exist was never made.
  private static func release(
    _ context: SalesContext,
    _ order: OrderRow,
    _ lines: [OrderLineRef]
  ) async throws {
    let stock = try context.peers.supplychain.stock
    for line in lines {
      var release = Erp_Supplychain_V1_ReleaseRequest()
      release.orderLineID = order.reservationID(line.number)
      do {
        _ = try await stock.release(release)
      } catch let error as RPCError where error.code == .notFound {}
    }
  }
}

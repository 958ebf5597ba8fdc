import ERPRuntime

/// Saga progress: `erp_sales_orders_entered_total{status, progress}` counts the orders entering
/// each state of ``OrderLifecycle`` (created as a draft or quotation, `draft`/`confirming` when
/// a confirmation starts, `confirmed`/`idle` when every line is reserved, back to `draft`/`idle`
/// when one is refused, …), so a dashboard shows how many confirmations start, finish and fail.
/// Counted where ``OrderStore`` records the state, inside the step's transaction: a step whose
/// transaction then fails still counts (rare: the state change is a step's last statement).
struct OrderMetrics: Sendable {
  static let entered = "erp_sales_orders_entered_total"

  private let metrics: ServiceMetrics

  init(_ metrics: ServiceMetrics) {
    self.metrics = metrics
  }

  func entered(_ state: OrderState) {
    self.metrics.count(
      Self.entered,
      [("status", state.status.rawValue), ("progress", state.progress.rawValue)]
    )
  }
}

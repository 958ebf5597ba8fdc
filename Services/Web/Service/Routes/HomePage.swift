import ERPProtos
import Hummingbird

/// `GET /`: the tenant dashboard (Views.TenantDashboard, one call; the gateway fills its sections
/// concurrently and marks those outside the user's scopes or down).
extension WebConsole {
  func home(_ request: Request) async -> Response {
    await self.signedInPage(
      request,
      name: "home",
      titleKey: "area_home",
      area: .home,
      load: { token in try await self.gateway.dashboard(token) },
      render: { view, formats in ["figures": Self.figures(view, formats)] }
    )
  }

  /// The dashboard's figures in the order a manager reads them; a section the gateway could not
  /// fill (or the user may not see) says so instead of showing a zero.
  static func figures(
    _ view: Erp_Gateway_V1_TenantDashboardView,
    _ formats: PageFormats
  ) -> [[String: Any]] {
    let available = Dictionary(
      view.sections.map { ($0.section, $0.available) },
      uniquingKeysWith: { first, _ in first }
    )
    let figures: [(String, String, String)] = [
      ("revenue_mtd", "revenue", formats.money(view.revenueMonthToDate)),
      ("revenue_last_month", "revenue", formats.money(view.revenueLastMonth)),
      ("weighted_pipeline", "pipeline", formats.money(view.weightedPipeline)),
      ("receivables", "receivables", formats.money(view.receivablesOutstanding)),
      ("receivables_30", "receivables", formats.money(view.receivablesOver30Days)),
      ("below_reorder", "replenishment", formats.count(Int64(view.itemsBelowReorderPoint))),
      ("headcount", "headcount", formats.count(Int64(view.headcount))),
      ("payroll_cost", "payroll", formats.money(view.lastPayrollCost)),
    ]
    return figures.map { key, section, value in
      let shown = available[section] ?? false
      return [
        "label": formats.word(key),
        "value": shown ? value : formats.word("section_unavailable"),
        "unavailable": !shown,
      ]
    }
  }
}

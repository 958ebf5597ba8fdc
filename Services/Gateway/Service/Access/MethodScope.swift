import GRPCCore

/// The scope a forwarded method needs: its domain (the proto package, `erp.<domain>.v1`) and
/// whether it only reads. Reading methods are those named as queries (Get…, List…, Search…,
/// Describe…) and the reports, every method of a reporting service (…Reports, Insights) or one
/// of the named reports below; anything else writes. A key's `<domain>:write` includes read.
struct MethodScope: Sendable, Equatable {
  var domain: String
  var readOnly: Bool

  static let readPrefixes = ["Get", "List", "Search", "Describe"]
  static let reportServices: Set<String> = ["Insights", "SalesReports"]
  static let reports: Set<String> = [
    "Timeline", "TrialBalance", "IncomeStatement", "BalanceSheet", "GeneralLedger",
    "AgedBalances", "PartyStatement", "VatReturn", "StockOnHand", "ItemHistory",
    "InventoryValuation", "SlowMovers", "Replenishment", "WeeklySchedule", "LeaveBalances",
    "Headcount", "PayrollCost", "OvertimeReport", "Forecast", "Funnel", "WinRates",
  ]

  init?(_ descriptor: MethodDescriptor) {
    let parts = descriptor.service.fullyQualifiedService.split(separator: ".").map(String.init)
    guard parts.count == 4, parts[0] == "erp", parts[2] == "v1",
      ApiKeyStore.domains.contains(parts[1])
    else { return nil }
    self.domain = parts[1]
    let method = descriptor.method
    self.readOnly =
      Self.reportServices.contains(parts[3]) || Self.reports.contains(method)
      || Self.readPrefixes.contains { method.hasPrefix($0) }
  }

  func allowed(by scopes: Set<String>) -> Bool {
    scopes.contains("\(self.domain):write")
      || (self.readOnly && scopes.contains("\(self.domain):read"))
  }

  var required: String { "\(self.domain):\(self.readOnly ? "read" : "write")" }
}

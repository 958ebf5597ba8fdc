import ArgumentParser
import ERPClient
import ERPProtos

/// `erpctl customer360 <id>`: the customer seen from every service.
struct Customer360Command: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "customer360",
    abstract: "A customer seen from every service."
  )

  @OptionGroup var connection: Connection
  @Argument var customer: String

  func run() async throws {
    var request = Erp_Gateway_V1_Customer360Request()
    request.customerID = self.customer
    let view = try await self.connection.run { [request] in try await $0.views.customer360(request)
    }
    if self.connection.json { return try Output.json(view) }
    print("\(view.profile.id)  \(view.profile.name)  (\(view.profile.stage))")
    print("contacts: \(view.contacts.map(\.name).joined(separator: ", "))")
    print(
      "open opportunities: \(view.openOpportunities.map { "\($0.name) \(Output.money($0.amount.unitsMinor, $0.amount.currencyCode))" }.joined(separator: "; "))"
    )
    print(
      "recent orders: \(view.recentOrders.map { "\($0.number) \($0.status)" }.joined(separator: ", "))"
    )
    print(
      "open invoices: \(view.openInvoices.map(\.number).joined(separator: ", "))  balance \(Output.money(view.balance.unitsMinor, view.balance.currencyCode))"
    )
    print("recent shipments: \(view.recentShipments.map(\.number).joined(separator: ", "))")
    print("recent activity: \(view.recentActivity.count) items")
    for section in view.sections where !section.available {
      print("  (\(section.section) unavailable: \(section.code) \(section.message))")
    }
  }
}

/// `erpctl dashboard`: the tenant at a glance.
struct DashboardCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dashboard",
    abstract: "The tenant at a glance."
  )

  @OptionGroup var connection: Connection

  func run() async throws {
    let view = try await self.connection.run { try await $0.views.tenantDashboard(.init()) }
    if self.connection.json { return try Output.json(view) }
    func money(_ value: Erp_Common_V1_Money) -> String {
      Output.money(value.unitsMinor, value.currencyCode)
    }
    Output.table(
      ["MEASURE", "VALUE"],
      [
        ["revenue, month to date", money(view.revenueMonthToDate)],
        ["revenue, last month", money(view.revenueLastMonth)],
        ["weighted pipeline", money(view.weightedPipeline)],
        ["receivables outstanding", money(view.receivablesOutstanding)],
        ["receivables over 30 days", money(view.receivablesOver30Days)],
        ["items below reorder point", "\(view.itemsBelowReorderPoint)"],
        ["headcount", "\(view.headcount)"],
        ["last payroll (\(view.lastPayrollMonth))", money(view.lastPayrollCost)],
      ]
    )
    for section in view.sections where !section.available {
      print("  (\(section.section) unavailable: \(section.code) \(section.message))")
    }
  }
}

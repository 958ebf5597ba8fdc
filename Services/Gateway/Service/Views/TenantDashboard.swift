import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import NIOConcurrencyHelpers

/// The tenant at a glance: revenue this month and last (sales), the weighted pipeline
/// (customers), receivables outstanding and more than 30 days overdue (finance), items at or
/// below their reorder point (supply chain), headcount and the last approved payroll's cost
/// (HR). Amounts are in the currency the service answers in (the first one, when several).
enum TenantDashboard {
  static func view(_ sections: Sections) async -> Erp_Gateway_V1_TenantDashboardView {
    let view = NIOLockedValueBox(Erp_Gateway_V1_TenantDashboardView())
    let today = CalendarDate.today()
    let thisMonth = CalendarDate(year: today.year, month: today.month, day: 1)
    let lastMonth = thisMonth.adding(days: -1)
    let statuses = await withTaskGroup(of: Erp_Gateway_V1_SectionStatus.self) { group in
      group.addTask {
        await sections.fetch("revenue", .sales) { client, options in
          var request = Erp_Sales_V1_RevenueRequest()
          request.from = CalendarDate(year: lastMonth.year, month: lastMonth.month, day: 1).proto
          request.to = today.proto
          request.groupBy = .month
          let lines = try await Erp_Sales_V1_SalesReports.Client(wrapping: client)
            .revenue(request, options: options).lines
          func month(_ date: CalendarDate) -> Erp_Common_V1_Money? {
            let key = String(date.postgresText.prefix(7))
            return lines.first { $0.key == key }?.net
          }
          let currency = lines.first?.net.currencyCode ?? ""
          view.withLockedValue { view in
            view.revenueMonthToDate = month(today) ?? Erp_Common_V1_Money(0, currency)
            view.revenueLastMonth = month(lastMonth) ?? Erp_Common_V1_Money(0, currency)
          }
        }
      }
      group.addTask {
        await sections.fetch("pipeline", .customers) { client, options in
          var request = Erp_Customers_V1_ForecastRequest()
          request.from = CalendarDate(year: 1900, month: 1, day: 1).proto
          request.to = CalendarDate(year: 9999, month: 12, day: 31).proto
          let months = try await Erp_Customers_V1_Pipeline.Client(wrapping: client)
            .forecast(request, options: options).months
          let currency = months.first?.currencyCode ?? ""
          view.withLockedValue {
            $0.weightedPipeline = Erp_Common_V1_Money(
              months.filter { $0.currencyCode == currency }.reduce(0) { $0 + $1.weightedMinor },
              currency
            )
          }
        }
      }
      group.addTask {
        await sections.fetch("receivables", .finance) { client, options in
          var request = Erp_Finance_V1_AgedBalancesRequest()
          request.direction = .receivable
          request.asOf = today.proto
          let parties = try await Erp_Finance_V1_Billing.Client(wrapping: client)
            .agedBalances(request, options: options).parties
          let currency = parties.first?.currencyCode ?? ""
          let same = parties.filter { $0.currencyCode == currency }
          view.withLockedValue { view in
            view.receivablesOutstanding = Erp_Common_V1_Money(
              same.reduce(0) { $0 + $1.totalMinor },
              currency
            )
            view.receivablesOver30Days = Erp_Common_V1_Money(
              same.reduce(0) { $0 + $1.totalMinor - $1.days030Minor },
              currency
            )
          }
        }
      }
      group.addTask {
        await sections.fetch("replenishment", .supplychain) { client, options in
          let suggestions = try await Erp_Supplychain_V1_Stock.Client(wrapping: client)
            .replenishment(.init(), options: options).suggestions
          view.withLockedValue {
            $0.itemsBelowReorderPoint = Int32(suggestions.reduce(0) { $0 + $1.lines.count })
          }
        }
      }
      group.addTask {
        await sections.fetch("headcount", .hr) { client, options in
          let headcount = try await Erp_Hr_V1_People.Client(wrapping: client).headcount(
            .init(),
            options: options
          )
          view.withLockedValue { $0.headcount = headcount.total }
        }
      }
      group.addTask {
        await sections.fetch("payroll", .hr) { client, options in
          let payroll = Erp_Hr_V1_Payroll.Client(wrapping: client)
          var lines: [Erp_Hr_V1_PayrollCostLine] = []
          for year in [today.year, today.year - 1] where lines.isEmpty {
            var request = Erp_Hr_V1_PayrollCostRequest()
            request.year = Int32(year)
            lines = try await payroll.payrollCost(request, options: options).lines
            if !lines.isEmpty {
              let month = lines.map(\.month).max()!
              let last = lines.filter { $0.month == month }
              let currency = last.first?.gross.currencyCode ?? ""
              view.withLockedValue { view in
                view.lastPayrollCost = Erp_Common_V1_Money(
                  last.reduce(0) { $0 + $1.gross.unitsMinor },
                  currency
                )
                view.lastPayrollMonth = "\(year)-\(month < 10 ? "0" : "")\(month)"
              }
            }
          }
        }
      }
      return await group.reduce(into: [Erp_Gateway_V1_SectionStatus]()) { $0.append($1) }
    }
    return view.withLockedValue { view in
      view.sections = statuses.sorted { $0.section < $1.section }
      return view
    }
  }
}

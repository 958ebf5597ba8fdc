import ERPProtos
import ERPRuntime
import GRPCCore
import NIOConcurrencyHelpers

/// The customer seen from every service: profile, contacts and recent activity (customers),
/// open opportunities (customers), recent orders (sales), open invoices and what they still owe
/// (finance), recent shipments of those orders (supply chain). Sections are fetched at once;
/// the shipments follow the orders (they are found by order).
enum Customer360 {
  static func view(_ sections: Sections, customerID: String) async -> Erp_Gateway_V1_Customer360View
  {
    let view = NIOLockedValueBox(Erp_Gateway_V1_Customer360View())
    let statuses = await withTaskGroup(of: [Erp_Gateway_V1_SectionStatus].self) { group in
      group.addTask {
        [
          await sections.fetch("profile", .customers) { client, options in
            var request = Erp_Customers_V1_GetCustomerRequest()
            request.id = customerID
            let profile = try await Erp_Customers_V1_Customers.Client(wrapping: client)
              .getCustomer(request, options: options)
            view.withLockedValue { $0.profile = profile }
          }
        ]
      }
      group.addTask {
        [
          await sections.fetch("contacts", .customers) { client, options in
            var request = Erp_Customers_V1_ListContactsRequest()
            request.customerID = customerID
            let contacts = try await Erp_Customers_V1_Interactions.Client(wrapping: client)
              .listContacts(request, options: options).contacts
            view.withLockedValue { $0.contacts = contacts }
          }
        ]
      }
      group.addTask {
        [
          await sections.fetch("recent_activity", .customers) { client, options in
            var request = Erp_Customers_V1_TimelineRequest()
            request.customerID = customerID
            request.page.pageSize = 10
            let items = try await Erp_Customers_V1_Interactions.Client(wrapping: client)
              .timeline(request, options: options).items
            view.withLockedValue { $0.recentActivity = items }
          }
        ]
      }
      group.addTask {
        [
          await sections.fetch("open_opportunities", .customers) { client, options in
            var request = Erp_Customers_V1_ListOpportunitiesRequest()
            request.customerID = customerID
            request.openOnly = true
            let open = try await Erp_Customers_V1_Pipeline.Client(wrapping: client)
              .listOpportunities(request, options: options).opportunities
            view.withLockedValue { $0.openOpportunities = open }
          }
        ]
      }
      group.addTask {
        [
          await sections.fetch("open_invoices", .finance) { client, options in
            var request = Erp_Finance_V1_ListInvoicesRequest()
            request.direction = .receivable
            request.partyID = customerID
            request.openOnly = true
            let invoices = try await Erp_Finance_V1_Billing.Client(wrapping: client)
              .listInvoices(request, options: options).invoices
            view.withLockedValue { view in
              view.openInvoices = invoices
              if let first = invoices.first {
                view.balance = Erp_Common_V1_Money(
                  invoices.filter { $0.outstanding.currencyCode == first.outstanding.currencyCode }
                    .reduce(0) { $0 + $1.outstanding.unitsMinor },
                  first.outstanding.currencyCode
                )
              }
            }
          }
        ]
      }
      group.addTask {
        let orders = await sections.fetch("recent_orders", .sales) { client, options in
          var request = Erp_Sales_V1_ListOrdersRequest()
          request.customerID = customerID
          request.limit = 5
          let orders = try await Erp_Sales_V1_Orders.Client(wrapping: client)
            .listOrders(request, options: options).orders
          view.withLockedValue { $0.recentOrders = orders }
        }
        guard orders.available else {
          var shipments = Erp_Gateway_V1_SectionStatus()
          shipments.section = "recent_shipments"
          shipments.code = orders.code
          shipments.message = "found through the recent orders, which are unavailable"
          return [orders, shipments]
        }
        let numbers = view.withLockedValue { $0.recentOrders.map(\.number) }
        let shipments = await sections.fetch("recent_shipments", .supplychain) { client, options in
          let shipping = Erp_Supplychain_V1_Shipping.Client(wrapping: client)
          var found: [Erp_Supplychain_V1_Shipment] = []
          for number in numbers {
            var request = Erp_Supplychain_V1_ListShipmentsRequest()
            request.orderID = number
            found += try await shipping.listShipments(request, options: options).shipments
          }
          view.withLockedValue { $0.recentShipments = found }
        }
        return [orders, shipments]
      }
      return await group.reduce(into: [Erp_Gateway_V1_SectionStatus]()) { $0 += $1 }
    }
    return view.withLockedValue { view in
      view.sections = statuses.sorted { $0.section < $1.section }
      return view
    }
  }
}

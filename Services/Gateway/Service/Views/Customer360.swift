import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import NIOConcurrencyHelpers

/// The customer seen from every service: profile, contacts and recent activity (customers),
/// open opportunities (customers), recent orders (sales), open invoices and what they still owe
/// (finance), recent shipments of those orders (supply chain). Sections are fetched at once;
/// the shipments follow the orders (they are found by order).
///
/// Each section's call carries the caller (``Caller``), so the services apply its record rules.
/// For a caller limited to its own records the customer is asked for first: another owner's
/// customer is NOT_FOUND for the whole view (as for one that does not exist), before any
/// section is fetched, so that services without owners (finance, the supply chain) are never
/// asked about it.
enum Customer360 {
  static func view(
    _ sections: Sections,
    customerID: String
  ) async throws -> Erp_Gateway_V1_Customer360View {
    if let caller = RequestContext.caller, caller.ownRecordsOnly {
      try await Self.requireVisible(sections, customerID: customerID)
    }
    return await Self.sections(sections, customerID: customerID)
  }

  /// The customer, asked of the customers service with the caller: its refusal (NOT_FOUND for
  /// another owner's customer, PERMISSION_DENIED without a customers scope) is the view's.
  static func requireVisible(_ sections: Sections, customerID: String) async throws {
    guard
      sections.scopes.contains(ERPDomain.customers.readScope)
        || sections.scopes.contains(ERPDomain.customers.writeScope)
    else {
      throw RPCError(
        code: .permissionDenied,
        message: "the key lacks the scope \(ERPDomain.customers.readScope)"
      )
    }
    var request = Erp_Customers_V1_GetCustomerRequest()
    request.id = customerID
    do {
      _ = try await Erp_Customers_V1_Customers.Client(
        wrapping: try sections.peers.connection(to: .customers)
      ).getCustomer(request, options: sections.options)
    } catch let error as RPCError where error.code == .notFound {
      throw RPCError(code: .notFound, message: "customer_id: no customer \(quoted(customerID))")
    } catch {
      throw PartnerFacingError.rpcError(for: error, service: ERPDomain.customers.rawValue)
    }
  }

  static func sections(
    _ sections: Sections,
    customerID: String
  ) async -> Erp_Gateway_V1_Customer360View {
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

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// What sales asks the other services before it records or confirms an order: the customer
/// (customers), the items (supply chain), the tax rates (finance). Their refusals come back
/// naming the caller's field.
enum PeerChecks {
  static func customer(
    _ peers: PeerClients,
    _ id: String
  ) async throws -> (id: String, name: String) {
    guard !id.isEmpty else { throw SalesValues.invalid("customer_id", "required") }
    var request = Erp_Customers_V1_GetCustomerRequest()
    request.id = id
    do {
      let customer = try await peers.customers.customers.getCustomer(request)
      guard !customer.archived else {
        throw RPCError(code: .failedPrecondition, message: "customer_id: \(quoted(id)) is archived")
      }
      return (customer.id, customer.name)
    } catch let error as RPCError where error.code == .notFound {
      throw RPCError(code: .notFound, message: "customer_id: no customer \(quoted(id))")
    }
  }

  /// The items' names by SKU; an unknown or inactive item names its line.
  static func items(_ peers: PeerClients, _ skus: [String]) async throws -> [String: String] {
    let catalog = try peers.supplychain.catalog
    var names: [String: String] = [:]
    for (index, sku) in skus.enumerated() where names[sku] == nil {
      var request = Erp_Supplychain_V1_GetItemRequest()
      request.sku = sku
      do {
        let item = try await catalog.getItem(request)
        guard item.active else {
          throw RPCError(
            code: .failedPrecondition,
            message: "lines[\(index)].sku: item \(sku) is inactive"
          )
        }
        names[sku] = item.name
      } catch let error as RPCError where error.code == .notFound {
        throw RPCError(code: .notFound, message: "lines[\(index)].sku: no item \(quoted(sku))")
      }
    }
    return names
  }

  static func taxRates(_ peers: PeerClients) async throws -> [String: Int] {
    let billing = try peers.finance.billing
    let codes = try await billing.listTaxCodes(Erp_Finance_V1_ListTaxCodesRequest()).taxCodes
    return Dictionary(
      codes.map { ($0.code, Int($0.rateBasisPoints)) },
      uniquingKeysWith: { a, _ in a }
    )
  }
}

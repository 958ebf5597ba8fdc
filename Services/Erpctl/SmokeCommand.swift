import ArgumentParser
import ERPClient
import ERPProtos
import Foundation
import GRPCCore

/// `erpctl smoke`: a partner's order to cash through the gateway, for checking a deployment
/// (`make containers` runs it inside the gateway's container). With a key of the five
/// `<domain>:write` scopes it creates a warehouse, an item with stock, a customer with an
/// Arabic name, an order that it confirms and ships, pays the invoice finance issued for it,
/// then reads the customer's 360 view and the trial balance. Each step prints one line; the
/// first that fails ends the command with a non-zero status. Every name carries a fresh
/// suffix, so runs against the same tenant do not collide.
struct SmokeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "smoke",
    abstract: "Order to cash through the gateway, step by step (checks a deployment)."
  )

  @OptionGroup var connection: Connection

  @Option(help: "Seconds to wait for finance to invoice the shipped order.")
  var invoiceWait = 60

  @Option(help: "Attempts of a call refused UNAVAILABLE, about a second apart (2 to 5).")
  var attempts = 5

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  func run() async throws {
    let run = String(UUID().uuidString.prefix(8)).uppercased()
    let wait = self.invoiceWait
    // A partner is told to try again when a service is unavailable: so does the smoke test, a
    // few times, and says so (its writes carry request ids, so a retry never doubles one).
    let refused = RetryingUnavailable.Counter()
    try await self.connection.run(
      interceptors: [refused],
      serviceConfig: RetryingUnavailable.serviceConfig(attempts: self.attempts)
    ) { erp in
      try await Self.orderToCash(erp, run: run, wait: wait)
    }
    let retried =
      refused.count == 0 ? "" : " (\(refused.count) attempts refused UNAVAILABLE, retried)"
    print("smoke: passed\(retried)")
  }

  private static func step(_ name: String, _ check: Bool, _ detail: String) throws {
    guard check else { throw Failure(description: "smoke: \(name) FAILED: \(detail)") }
    print("smoke: \(name) ok  \(detail)")
  }

  private static func orderToCash(_ erp: GatewayClients, run: String, wait: Int) async throws {
    // Everything in the books' base currency (SAR when the tenant has none yet): stock is
    // valued in it, and the order, invoice and payment follow.
    var currency = try await erp.ledger.getSettings(.init()).baseCurrency
    if currency.isEmpty {
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      currency = try await erp.ledger.setBaseCurrency(base).baseCurrency
    }
    var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
    warehouse.requestID = "smoke-\(run)-warehouse"
    warehouse.warehouse.code = "W-\(run)"
    warehouse.warehouse.name = "مستودع الفحص"
    warehouse.warehouse.locations = ["A-01"]
    _ = try await erp.catalog.createWarehouse(warehouse)

    var item = Erp_Supplychain_V1_CreateItemRequest()
    item.requestID = "smoke-\(run)-item"
    item.item.sku = "SMOKE-\(run)"
    item.item.name = "تمر مجدول"
    item.item.unitOfMeasure = "unit"
    item.item.standardCost = Self.money(10_00, currency)
    item.item.listPrice = Self.money(25_00, currency)
    _ = try await erp.catalog.createItem(item)

    var adjust = Erp_Supplychain_V1_AdjustStockRequest()
    adjust.requestID = "smoke-\(run)-stock"
    adjust.sku = item.item.sku
    adjust.warehouseCode = warehouse.warehouse.code
    adjust.location = "A-01"
    adjust.quantityMilli = 10_000
    adjust.reason = "smoke test"
    _ = try await erp.stock.adjust(adjust)
    try Self.step("stock", true, "\(item.item.sku): 10 in \(warehouse.warehouse.code)")

    var create = Erp_Customers_V1_CreateCustomerRequest()
    create.requestID = "smoke-\(run)-customer"
    create.customer.kind = .organisation
    create.customer.name = "شركة الفحص \(run)"
    let customer = try await erp.customers.createCustomer(create)
    try Self.step(
      "customer",
      customer.name == create.customer.name,
      "\(customer.id) \(customer.name)"
    )

    var order = Erp_Sales_V1_CreateOrderRequest()
    order.requestID = "smoke-\(run)-order"
    order.customerID = customer.id
    order.currencyCode = currency
    order.warehouseCode = warehouse.warehouse.code
    var line = Erp_Sales_V1_OrderLine()
    line.sku = item.item.sku
    line.quantityMilli = 2_000
    line.unitPriceMinor = 25_00
    order.lines = [line]
    let created = try await erp.orders.createOrder(order)
    var ref = Erp_Sales_V1_OrderRef()
    ref.number = created.number
    let confirmed = try await erp.orders.confirmOrder(ref)
    try Self.step("order", confirmed.status == .confirmed, "\(created.number) \(confirmed.status)")

    var ship = Erp_Sales_V1_ShipOrderRequest()
    ship.requestID = "smoke-\(run)-ship"
    ship.number = created.number
    ship.carrier = "SMSA"
    var shipped = try await erp.orders.shipOrder(ship)
    // Finance invoices the shipment through the sales outbox: wait until it has.
    let deadline = Date().addingTimeInterval(TimeInterval(wait))
    while shipped.invoiceNumbers.isEmpty && Date() < deadline {
      try await Task.sleep(for: .milliseconds(250))
      shipped = try await erp.orders.getOrder(ref)
    }
    try Self.step(
      "invoice",
      !shipped.invoiceNumbers.isEmpty,
      "\(shipped.status) invoices \(shipped.invoiceNumbers.joined(separator: ","))"
    )

    var get = Erp_Finance_V1_GetInvoiceRequest()
    get.number = shipped.invoiceNumbers[0]
    let invoice = try await erp.billing.getInvoice(get)
    var payment = Erp_Finance_V1_RecordPaymentRequest()
    payment.requestID = "smoke-\(run)-payment"
    payment.direction = .receivable
    payment.partyID = customer.id
    payment.amount = invoice.total
    payment.date = Self.today()
    var allocation = Erp_Finance_V1_Allocation()
    allocation.invoiceNumber = invoice.number
    allocation.amount = invoice.total
    payment.allocations = [allocation]
    _ = try await erp.billing.recordPayment(payment)
    try Self.step(
      "payment",
      true,
      "\(invoice.number) \(invoice.total.unitsMinor) \(currency) minor units"
    )

    var view = Erp_Gateway_V1_Customer360Request()
    view.customerID = customer.id
    let seen = try await erp.views.customer360(view)
    let missing = seen.sections.filter { !$0.available }.map(\.section)
    try Self.step(
      "customer360",
      seen.profile.name == customer.name && missing.isEmpty
        && seen.recentOrders.contains { $0.number == created.number },
      "\(seen.profile.name), orders \(seen.recentOrders.map(\.number)), unavailable \(missing)"
    )

    var asOf = Erp_Finance_V1_TrialBalanceRequest()
    asOf.asOf = Self.today()
    let balance = try await erp.ledger.trialBalance(asOf)
    try Self.step(
      "trial balance",
      balance.totalDebitMinor == balance.totalCreditMinor && balance.totalDebitMinor > 0,
      "debit \(balance.totalDebitMinor) = credit \(balance.totalCreditMinor) \(balance.baseCurrency)"
    )
  }

  private static func money(_ minor: Int64, _ currency: String) -> Erp_Common_V1_Money {
    var money = Erp_Common_V1_Money()
    money.currencyCode = currency
    money.unitsMinor = minor
    return money
  }

  private static func today() -> Erp_Common_V1_Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day], from: Date())
    var date = Erp_Common_V1_Date()
    date.year = Int32(parts.year!)
    date.month = Int32(parts.month!)
    date.day = Int32(parts.day!)
    return date
  }
}

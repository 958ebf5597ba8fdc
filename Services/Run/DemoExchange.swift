import ERPProtos
import ERPTransport
import GRPCCore

/// The demo tenant's foreign-currency sale: a 2,000.00 USD zero-rated invoice to Gulf Logistics
/// of 5 October 2026 at 3.75 (7,500.00 SAR), paid on 20 October at 3.752 (7,504.00 SAR), so
/// the allocation realises a 4.00 SAR exchange gain on 4900. Dated before November and in USD,
/// it stays out of the SAR bank statement the demo reconciles. Rates are set as upserts and
/// every call has a fixed request id, so a second `make run` changes nothing.
extension DemoData {
  static let demoUSDInvoiceRequest = "demo-invoice-usd-1"

  static func seedForeignCurrency(
    _ ledger: Erp_Finance_V1_Ledger.Client<ERPTransport.Client>,
    _ billing: Erp_Finance_V1_Billing.Client<ERPTransport.Client>
  ) async throws {
    for (rate, day) in [("3.75", Int32(1)), ("3.752", 15)] {
      var request = Erp_Finance_V1_SetExchangeRateRequest()
      request.currencyCode = "USD"
      request.effective = Self.date(2026, 10, day)
      request.rate = rate
      _ = try await ledger.setExchangeRate(request)
    }
    var invoice = Erp_Finance_V1_IssueInvoiceRequest()
    invoice.requestID = Self.demoUSDInvoiceRequest
    invoice.direction = .receivable
    invoice.partyID = "demo-customer-3"
    invoice.partyName = "Gulf Logistics LLC"
    invoice.currencyCode = "USD"
    invoice.issueDate = Self.date(2026, 10, 5)
    invoice.dueDate = Self.date(2026, 11, 4)
    var freight = Erp_Finance_V1_InvoiceLine()
    freight.description_p = "Freight forwarding, Jeddah – Dubai"
    freight.quantityMilli = 1_000
    freight.unitPriceMinor = 2_000_00
    freight.taxCode = "ZERO"
    invoice.lines = [freight]
    let issued = try await billing.issueInvoice(invoice)

    var payment = Erp_Finance_V1_RecordPaymentRequest()
    payment.requestID = "demo-payment-usd-1"
    payment.direction = .receivable
    payment.partyID = "demo-customer-3"
    payment.amount.currencyCode = "USD"
    payment.amount.unitsMinor = 2_000_00
    payment.date = Self.date(2026, 10, 20)
    payment.reference = "SWIFT GLLC-2026-1020"
    var allocation = Erp_Finance_V1_Allocation()
    allocation.invoiceNumber = issued.number
    allocation.amount = payment.amount
    payment.allocations = [allocation]
    _ = try await billing.recordPayment(payment)
  }
}

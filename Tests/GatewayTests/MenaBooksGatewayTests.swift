import ERPProtos
import ERPStore
import GRPCCore
import SwiftProtobuf
import Testing

/// Partners reach the MENA parts through the gateway with their key's scopes: the ZATCA seller
/// and an invoice's QR code (finance), GOSI rates and the WPS file (HR).
@Suite("Gateway: ZATCA, GOSI and WPS for partners")
struct MenaBooksGatewayTests {
  @Test("a partner sets the seller, gets an invoice's QR code, and reads GOSI and WPS calls")
  func partnerReach() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("gwm")
      let key = try await gateway.key(tenant, scopes: ["finance:write", "hr:read"]).secret
      let partner = GatewayHarness.partner(key)
      var base = Erp_Finance_V1_SetBaseCurrencyRequest()
      base.currencyCode = "SAR"
      _ = try await Erp_Finance_V1_Ledger.Client(wrapping: gateway.client)
        .setBaseCurrency(base, metadata: partner)
      let billing = Erp_Finance_V1_Billing.Client(wrapping: gateway.client)
      var seller = Erp_Finance_V1_BillingSettings()
      seller.sellerName = "Bobs Records"
      seller.vatNumber = "310122393500003"
      _ = try await billing.updateBillingSettings(seller, metadata: partner)

      // 1,000.00 at 15 % on 2022-04-25T15:30:00Z: total 1,150.00, VAT 150.00. The TLV by hand:
      // 01 0C "Bobs Records" 02 0F "310122393500003" 03 14 "2022-04-25T15:30:00Z"
      // 04 07 "1150.00" 05 06 "150.00", base64-encoded.
      var invoice = Erp_Finance_V1_IssueInvoiceRequest()
      invoice.requestID = "gw-zatca-1"
      invoice.direction = .receivable
      invoice.partyID = "walk-in"
      invoice.currencyCode = "SAR"
      invoice.issueDate = CalendarDate(year: 2022, month: 4, day: 25).proto
      invoice.issuedAt = Google_Protobuf_Timestamp(seconds: 1_650_900_600)
      var line = Erp_Finance_V1_InvoiceLine()
      line.description_p = "أسطوانات"
      line.quantityMilli = 1_000
      line.unitPriceMinor = 1_000_00
      line.taxCode = "STD"
      invoice.lines = [line]
      let issued = try await billing.issueInvoice(invoice, metadata: partner)
      #expect(
        issued.zatcaQr
          == "AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzExNTAu"
          + "MDAFBjE1MC4wMA=="
      )

      let payroll = Erp_Hr_V1_Payroll.Client(wrapping: gateway.client)
      let settings = try await payroll.getSettings(.init(), metadata: partner)
      #expect(settings.gosi.saudiEmployerBasisPoints == 1175)
      var file = Erp_Hr_V1_WpsSalaryFileRequest()
      file.runID = "PR-2026-11"
      let missing = await #expect(throws: RPCError.self) {
        _ = try await payroll.wpsSalaryFile(file, metadata: partner)
      }
      #expect(missing?.code == .notFound)
      #expect(missing?.message.hasPrefix("run_id:") == true)
    }
  }
}

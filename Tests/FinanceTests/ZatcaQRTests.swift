import ERPMoney
import ERPProtos
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing

@testable import Finance

/// ZATCA phase-one QR codes. The worked example is the one ZATCA's QR code guideline ("Guide to
/// Developed FATOORA Compliant QR Code", Nov 2021, and the E-invoicing Detailed Guidelines'
/// QR section) encodes, reproduced by the open-source ZATCA libraries' own tests: seller "Bobs
/// Records", VAT 310122393500003, 2022-04-25T15:30:00Z, total 1000.00, VAT 150.00.
@Suite("Finance: ZATCA QR code")
struct ZatcaQRTests {
  static let published =
    "AQxCb2JzIFJlY29yZHMCDzMxMDEyMjM5MzUwMDAwMwMUMjAyMi0wNC0yNVQxNTozMDowMFoEBzEwMDAuMDAFBjE1MC4w"
    + "MA=="

  @Test("the published example encodes to the published base64, byte for byte")
  func publishedExample() throws {
    // The TLV by hand: tag, length, UTF-8 value for each of the five fields.
    var bytes: [UInt8] = [0x01, 12] + Array("Bobs Records".utf8)
    bytes += [0x02, 15] + Array("310122393500003".utf8)
    bytes += [0x03, 20] + Array("2022-04-25T15:30:00Z".utf8)
    bytes += [0x04, 7] + Array("1000.00".utf8)
    bytes += [0x05, 6] + Array("150.00".utf8)
    #expect(Data(bytes).base64EncodedString() == Self.published)

    let qr = try ZatcaQR.encode(
      .init(
        sellerName: "Bobs Records",
        vatNumber: "310122393500003",
        timestamp: Date(timeIntervalSince1970: 1_650_900_600),  // 2022-04-25T15:30:00Z
        total: 1000_00,
        vat: 150_00,
        currency: Currency(code: "SAR")!
      )
    )
    #expect(qr == Self.published)
    #expect(ZatcaQR.decode(qr)?[1] == "Bobs Records")
  }

  @Test("an Arabic seller's length counts UTF-8 bytes; a field over 255 bytes is refused")
  func arabicAndLimits() throws {
    let fields = ZatcaQR.Fields(
      sellerName: "متجر",
      vatNumber: "310122393500003",
      timestamp: Date(timeIntervalSince1970: 0),
      total: 1_500,
      vat: 0,
      currency: Currency(code: "KWD")!
    )
    let bytes = [UInt8](Data(base64Encoded: try ZatcaQR.encode(fields))!)
    #expect(Array(bytes.prefix(2)) == [0x01, 8])  // four Arabic letters, two bytes each
    #expect(ZatcaQR.decode(try ZatcaQR.encode(fields))?[4] == "1.500")  // KWD: three decimals
    #expect(ZatcaQR.decode(try ZatcaQR.encode(fields))?[3] == "1970-01-01T00:00:00Z")
    var long = fields
    long.sellerName = String(repeating: "م", count: 128)  // 256 bytes
    #expect(throws: ZatcaQR.Failure.length(tag: 1)) { try ZatcaQR.encode(long) }
  }

  /// Seller "مؤسسة النخيل التجارية" (40 bytes of UTF-8), VAT 310122393500003, issued
  /// 2026-11-15T09:30:00Z; 2 × 500.00 at 15 % = 1,000.00 + 150.00 VAT = 1,150.00.
  static let fixedInvoiceTLV: [UInt8] =
    [0x01, 40] + Array("مؤسسة النخيل التجارية".utf8) + [0x02, 15] + Array("310122393500003".utf8)
    + [0x03, 20] + Array("2026-11-15T09:30:00Z".utf8) + [0x04, 7] + Array("1150.00".utf8)
    + [0x05, 6] + Array("150.00".utf8)
  static let fixedInvoiceQR =
    "ASjZhdik2LPYs9ipINin2YTZhtiu2YrZhCDYp9mE2KrYrNin2LHZitipAg8zMTAxMjIzOTM1MDAwMDMDFDIwMjYtMTEt"
    + "MTVUMDk6MzA6MDBaBAcxMTUwLjAwBQYxNTAuMDA="

  @Test("a fixed invoice is issued and read back with the expected QR code; bills have none")
  func fixedInvoice() async throws {
    #expect(Data(Self.fixedInvoiceTLV).base64EncodedString() == Self.fixedInvoiceQR)
    try await LedgerHarness.withBilling { billing, _ in
      var settings = Erp_Finance_V1_BillingSettings()
      settings.sellerName = "مؤسسة النخيل التجارية"
      settings.vatNumber = "310122393500003"
      #expect(try await billing.updateBillingSettings(settings) == settings)
      #expect(try await billing.getBillingSettings(.init()) == settings)

      var request = Erp_Finance_V1_IssueInvoiceRequest()
      request.requestID = "zatca-1"
      request.direction = .receivable
      request.partyID = "walk-in"
      request.partyName = "عميل نقدي"
      request.currencyCode = "SAR"
      request.issueDate = Build.date(2026, 11, 15)
      request.issuedAt = Google_Protobuf_Timestamp(seconds: 1_794_735_000)
      var line = Erp_Finance_V1_InvoiceLine()
      line.description_p = "تمور"
      line.quantityMilli = 2_000
      line.unitPriceMinor = 500_00
      line.taxCode = "STD"
      request.lines = [line]
      let issued = try await billing.issueInvoice(request)
      #expect(issued.total.unitsMinor == 1_150_00)
      #expect(issued.zatcaQr == Self.fixedInvoiceQR)
      #expect(issued.issuedAt.seconds == 1_794_735_000)
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = issued.number
      #expect(try await billing.getInvoice(get).zatcaQr == Self.fixedInvoiceQR)

      // The QR code is fixed at issue: a new seller name changes later invoices only.
      settings.sellerName = "Palm Trading"
      _ = try await billing.updateBillingSettings(settings)
      #expect(try await billing.getInvoice(get).zatcaQr == Self.fixedInvoiceQR)

      var bill = request
      bill.requestID = "zatca-bill-1"
      bill.direction = .payable
      bill.partyID = "supplier-1"
      bill.lines[0].accountCode = "5100"
      #expect(try await billing.issueInvoice(bill).zatcaQr.isEmpty)
    }
  }

  @Test("bad seller settings are INVALID_ARGUMENT naming the field")
  func badSettings() async throws {
    try await LedgerHarness.withBilling { billing, _ in
      var settings = Erp_Finance_V1_BillingSettings()
      settings.sellerName = "متجر"
      settings.vatNumber = "123"
      let vat = await #expect(throws: RPCError.self) {
        _ = try await billing.updateBillingSettings(settings)
      }
      #expect(vat?.code == .invalidArgument)
      #expect(vat?.message.hasPrefix("vat_number:") == true)
      settings.vatNumber = "310122393500003"
      settings.sellerName = String(repeating: "م", count: 150)  // 150 letters, 300 bytes
      let name = await #expect(throws: RPCError.self) {
        _ = try await billing.updateBillingSettings(settings)
      }
      #expect(name?.code == .invalidArgument)
      #expect(name?.message.hasPrefix("seller_name:") == true)
      #expect(name?.message.contains("م") == false)
    }
  }
}

import ERPProtos
import ERPTransport
import GRPCCore

/// The demo tenant's seller for ZATCA: its Arabic registered name and VAT number, set before
/// the demo invoice is issued so that the invoice carries its phase-one QR code.
extension DemoData {
  static func seedSeller(
    _ billing: Erp_Finance_V1_Billing.Client<ERPTransport.Client>
  )
    async throws
  {
    var seller = Erp_Finance_V1_BillingSettings()
    seller.sellerName = "شركة الواحة للتجارة"
    seller.vatNumber = "310122393500003"
    _ = try await billing.updateBillingSettings(seller)
  }
}

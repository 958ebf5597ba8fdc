import ERPMoney
import ERPProtos
import ERPStore
import Foundation
import GRPCCore

/// The seller the tenant's tax invoices name: its registered name and VAT number, which the
/// ZATCA QR code of every customer invoice carries (`ZatcaQR`).
enum BillingSettingsStore {
  static func get(_ session: PostgresSession) async throws -> Erp_Finance_V1_BillingSettings {
    let row = try await session.query("SELECT seller_name, vat_number FROM billing_settings")[0]
    var settings = Erp_Finance_V1_BillingSettings()
    settings.sellerName = try row.decode("seller_name")
    settings.vatNumber = try row.decode("vat_number")
    return settings
  }

  /// Replaces the settings. The seller name is at most 255 bytes of UTF-8 (a QR field's
  /// length is one byte), so about 127 Arabic letters; the VAT number is ZATCA's 15 digits,
  /// first and last 3.
  static func update(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_BillingSettings
  ) async throws -> Erp_Finance_V1_BillingSettings {
    let name = try LedgerValues.text(
      request.sellerName,
      field: "seller_name",
      maxLength: 255,
      required: false
    )
    guard name.utf8.count <= 255 else {
      throw LedgerValues.invalid("seller_name", "at most 255 bytes of UTF-8")
    }
    guard request.vatNumber.isEmpty || request.vatNumber.wholeMatch(of: /3[0-9]{13}3/) != nil
    else {
      throw LedgerValues.invalid("vat_number", "15 digits, the first and the last 3")
    }
    return try await pool.withTenant(tenant) { session in
      try await session.query(
        "UPDATE billing_settings SET seller_name = $1, vat_number = $2",
        [name, request.vatNumber]
      )
      return try await Self.get(session)
    }
  }

  /// The QR code of a receivable document issued now, or "" while the seller is not set.
  static func qrCode(
    _ session: PostgresSession,
    issuedAt: Date,
    total: Int64,
    vat: Int64,
    currency: Currency
  ) async throws -> String {
    let seller = try await Self.get(session)
    guard !seller.sellerName.isEmpty, !seller.vatNumber.isEmpty else { return "" }
    do {
      return try ZatcaQR.encode(
        .init(
          sellerName: seller.sellerName,
          vatNumber: seller.vatNumber,
          timestamp: issuedAt,
          total: total,
          vat: vat,
          currency: currency
        )
      )
    } catch {
      // Settings are checked when written; a field out of bounds here is a bug.
      throw RPCError(code: .internalError, message: "the ZATCA QR code could not be encoded")
    }
  }
}

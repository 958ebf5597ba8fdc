import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The tenant's sales settings: when orders are invoiced and the payment terms.
enum SalesSettingsStore {
  static func get(_ session: PostgresSession) async throws -> Erp_Sales_V1_SalesSettings {
    let row = try await session.query("SELECT invoice_on, payment_terms_days FROM sales_settings")[
      0
    ]
    var settings = Erp_Sales_V1_SalesSettings()
    settings.invoiceOn =
      try row.decode("invoice_on", as: String.self) == "confirmation" ? .confirmation : .shipment
    settings.paymentTermsDays = try row.decode("payment_terms_days")
    return settings
  }

  static func update(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ settings: Erp_Sales_V1_SalesSettings
  )
    async throws -> Erp_Sales_V1_SalesSettings
  {
    let invoiceOn: String
    switch settings.invoiceOn {
    case .shipment: invoiceOn = "shipment"
    case .confirmation: invoiceOn = "confirmation"
    default:
      throw SalesValues.invalid("invoice_on", "INVOICE_ON_SHIPMENT or INVOICE_ON_CONFIRMATION")
    }
    guard (0...365).contains(settings.paymentTermsDays) else {
      throw SalesValues.invalid("payment_terms_days", "0 to 365")
    }
    return try await pool.withTenant(tenant) { session in
      try await session.query(
        "UPDATE sales_settings SET invoice_on = $1, payment_terms_days = $2",
        [invoiceOn, Int(settings.paymentTermsDays)]
      )
      return try await Self.get(session)
    }
  }
}

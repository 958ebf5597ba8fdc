import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The companies goods are bought from.
enum Suppliers {
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_CreateSupplierRequest
  ) async throws -> Erp_Supplychain_V1_Supplier {
    let requestID = try checkedRequestID(request.requestID)
    let supplier = request.supplier
    let name = supplier.name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw SupplyValues.invalid("supplier.name", "1 to 200 characters")
    }
    guard Currency(code: supplier.currencyCode) != nil else {
      throw SupplyValues.invalid(
        "supplier.currency_code",
        "unknown ISO 4217 code \(quoted(supplier.currencyCode))"
      )
    }
    guard (0...365).contains(supplier.leadTimeDays) else {
      throw SupplyValues.invalid("supplier.lead_time_days", "0 to 365")
    }
    guard supplier.email.isEmpty || supplier.email.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) != nil
    else {
      throw SupplyValues.invalid("supplier.email", "not an email address")
    }
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("supplychain.supplier", request, id: \.requestID),
      requestIDConstraints: ["supplier_request_id_key"]
    ) {
      session in
      let existing = try await session.query(
        "SELECT \(Self.columns) FROM supplier WHERE request_id = $1",
        [requestID]
      )
      if let row = existing.first { return try Self.supplier(row) }
      let rows = try await session.query(
        """
        INSERT INTO supplier (code, request_id, name, email, phone, currency_code, lead_time_days)
        VALUES ('SUP-' || lpad(nextval('supplier_number')::text, 6, '0'), $1, $2, $3, $4, $5, $6)
        RETURNING \(Self.columns)
        """,
        [
          requestID, name, supplier.email.lowercased(), supplier.phone, supplier.currencyCode,
          Int(supplier.leadTimeDays),
        ]
      )
      return try Self.supplier(rows[0])
    }
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws
    -> [Erp_Supplychain_V1_Supplier]
  {
    try await pool.tenantQuery(tenant, "SELECT \(Self.columns) FROM supplier ORDER BY code")
      .map(Self.supplier)
  }

  static let columns = "code, name, email, phone, currency_code, lead_time_days"

  static func supplier(_ row: PostgresRow) throws -> Erp_Supplychain_V1_Supplier {
    var supplier = Erp_Supplychain_V1_Supplier()
    supplier.code = try row.decode("code")
    supplier.name = try row.decode("name")
    supplier.email = try row.decode("email")
    supplier.phone = try row.decode("phone")
    supplier.currencyCode = try row.decode("currency_code")
    supplier.leadTimeDays = try row.decode("lead_time_days")
    return supplier
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Checks and conversions every supply chain call shares.
enum SupplyValues {
  static func invalid(_ field: String, _ problem: String) -> RPCError {
    RPCError(code: .invalidArgument, message: "\(field): \(problem)")
  }

  /// A positive quantity in thousandths of a unit.
  static func positive(_ milli: Int64, field: String) throws -> Int64 {
    guard milli > 0 else {
      throw Self.invalid(field, "must be positive (thousandths of a unit), got \(milli)")
    }
    guard milli <= 1_000_000_000_000 else { throw Self.invalid(field, "too large") }
    return milli
  }

  /// The line's value by finance's rule (`LineAmount`), so stock value and the bill agree.
  static func lineValue(quantityMilli: Int64, unitMinor: Int64) throws -> Int64 {
    guard let value = LineAmount.value(quantityMilli: quantityMilli, unitMinor: unitMinor) else {
      throw Self.invalid("quantity_milli", "value too large")
    }
    return value
  }

  /// The item's id, or NOT_FOUND naming the field and the SKU.
  static func itemID(
    _ session: PostgresSession,
    sku: String,
    field: String,
    activeOnly: Bool = true
  ) async throws -> Int64 {
    let rows = try await session.query("SELECT id, active FROM item WHERE sku = $1", [sku])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no item with SKU \(quoted(sku))")
    }
    if activeOnly, try !row.decode("active", as: Bool.self) {
      throw RPCError(
        code: .failedPrecondition,
        message: "\(field): item \(quoted(sku)) is inactive"
      )
    }
    return try row.decode("id")
  }

  /// The warehouse's id, or NOT_FOUND naming the field and the code.
  static func warehouseID(
    _ session: PostgresSession,
    code: String,
    field: String
  ) async throws
    -> Int64
  {
    let rows = try await session.query("SELECT id FROM warehouse WHERE code = $1", [code])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no warehouse \(quoted(code))")
    }
    return try row.decode("id")
  }

  /// Checks a location exists in the warehouse (an empty one means none in particular).
  static func location(
    _ session: PostgresSession,
    warehouseID: Int64,
    code: String,
    field: String
  ) async throws {
    guard !code.isEmpty else { return }
    let rows = try await session.query(
      "SELECT 1 FROM location WHERE warehouse_id = $1 AND code = $2",
      [warehouseID, code]
    )
    guard !rows.isEmpty else {
      throw RPCError(
        code: .notFound,
        message: "\(field): no location \(quoted(code)) in the warehouse"
      )
    }
  }
}

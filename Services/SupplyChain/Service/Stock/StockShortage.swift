import ERPRuntime
import ERPStore
import GRPCCore

/// Turns the stock level's CHECK violations (the database refusing negative or oversold stock)
/// into FAILED_PRECONDITION naming the item, the warehouse and what is available.
enum StockShortage {
  static let constraints: Set<String> = [
    "stock_level_on_hand", "stock_level_available", "stock_level_reserved", "stock_level_value",
  ]

  /// Runs `body`; a stock-level violation becomes the caller's error for `sku` in `warehouse`.
  static func mapping<T: Sendable>(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    field: String,
    sku: String,
    warehouse: String,
    requested milli: Int64,
    _ body: () async throws -> T
  ) async throws -> T {
    do {
      return try await body()
    } catch let error as PostgresError
      where error.sqlState == "23514" && Self.constraints.contains(error.constraint ?? "")
    {
      let available = try? await pool.tenantQuery(
        tenant,
        "SELECT l.on_hand_milli - l.reserved_milli AS available FROM stock_level l "
          + "JOIN item i ON i.id = l.item_id JOIN warehouse w ON w.id = l.warehouse_id "
          + "WHERE i.sku = $1 AND w.code = $2",
        [sku, warehouse]
      ).first?.decode("available", as: Int64.self)
      throw RPCError(
        code: .failedPrecondition,
        message:
          "\(field): not enough stock of item \(sku) in warehouse \(warehouse): "
          + "\(MilliQuantity.text(milli)) requested, "
          + "\(MilliQuantity.text(available ?? 0)) available"
      )
    }
  }
}

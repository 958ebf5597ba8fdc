import ERPProtos
import ERPStore

/// Reading stock moves back as the API shows them.
enum MoveRows {
  static let columns = """
    m.id, m.kind, i.sku, w.code AS warehouse_code, m.location, m.on_hand_delta, m.reserved_delta,
    m.value_delta, m.reference_type, m.reference_id, m.note,
    extract(epoch FROM m.recorded_at)::bigint AS recorded_at
    """
  static let source =
    "stock_move m JOIN item i ON i.id = m.item_id JOIN warehouse w ON w.id = m.warehouse_id"

  static let kinds: [String: Erp_Supplychain_V1_MoveKind] = [
    "receipt": .receipt, "issue": .issue, "transfer_out": .transferOut,
    "transfer_in": .transferIn, "adjustment": .adjustment, "reservation": .reservation,
    "release": .release, "return": .return,
  ]

  static func move(_ row: PostgresRow, currency: String) throws -> Erp_Supplychain_V1_StockMove {
    var move = Erp_Supplychain_V1_StockMove()
    move.id = try row.decode("id")
    move.kind = Self.kinds[try row.decode("kind", as: String.self)] ?? .unspecified
    move.sku = try row.decode("sku")
    move.warehouseCode = try row.decode("warehouse_code")
    move.location = try row.decode("location")
    move.onHandChangeMilli = try row.decode("on_hand_delta")
    move.reservedChangeMilli = try row.decode("reserved_delta")
    move.valueChange = Erp_Common_V1_Money(try row.decode("value_delta"), currency)
    move.referenceType = try row.decode("reference_type")
    move.referenceID = try row.decode("reference_id")
    move.note = try row.decode("note")
    move.recordedAt = try row.decode("recorded_at")
    return move
  }
}

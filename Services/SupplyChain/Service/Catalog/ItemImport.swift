import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Bulk import of items: rows are checked one by one and upserted on SKU in batches, each batch
/// one transaction. A batch the database refuses (a barcode another item has, an unknown
/// supplier) is redone row by row so that only the bad rows are reported. Imported items are
/// active; sending the same file again updates them to the same values.
enum ItemImport {
  static let batchSize = 200

  static func run(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ rows: RPCAsyncSequence<Erp_Supplychain_V1_ImportItemRow, any Error>
  ) async throws -> Erp_Supplychain_V1_ImportItemsResponse {
    var response = Erp_Supplychain_V1_ImportItemsResponse()
    var batch: [(row: Int64, fields: Items.Fields)] = []
    var position: Int64 = 0
    for try await message in rows {
      position += 1
      do {
        var fields = try Items.fields(message.item, prefix: "item")
        fields.active = true
        batch.append((position, fields))
      } catch let error as RPCError {
        response.errors.append(Self.error(position, message.item.sku, error))
      }
      if batch.count == Self.batchSize {
        try await Self.store(pool, tenant, batch, into: &response)
        batch.removeAll(keepingCapacity: true)
      }
    }
    if !batch.isEmpty { try await Self.store(pool, tenant, batch, into: &response) }
    return response
  }

  private static func store(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ batch: [(row: Int64, fields: Items.Fields)],
    into response: inout Erp_Supplychain_V1_ImportItemsResponse
  ) async throws {
    do {
      let created = try await pool.withTenant(tenant) { session in
        let results = try await session.pipeline(
          batch.map { PostgresStatement(Self.upsert, $0.fields.parameters) }
        )
        return results.map { $0.isEmpty ? nil : try? $0[0].decode("created", as: Bool.self) }
      }
      for (index, outcome) in created.enumerated() {
        switch outcome {
        case true?: response.created += 1
        case false?: response.updated += 1
        case nil:
          response.errors.append(
            Self.error(
              batch[index].row,
              batch[index].fields.sku,
              RPCError(code: .notFound, message: "item.preferred_supplier_code: no such supplier")
            )
          )
        }
      }
    } catch let error as PostgresError where batch.count > 1 && error.sqlState != nil {
      for entry in batch {
        try await Self.store(pool, tenant, [entry], into: &response)
      }
    } catch let error as PostgresError where error.sqlState != nil {
      let sku = batch[0].fields.sku
      response.errors.append(Self.error(batch[0].row, sku, Self.describe(error)))
    }
  }

  private static func describe(_ error: PostgresError) -> RPCError {
    if error.constraint == "item_barcode_key" {
      return RPCError(code: .alreadyExists, message: "item.barcode: another item has it")
    }
    return error.rpcError
  }

  /// Upserts one row; no row back when the preferred supplier is unknown.
  private static let upsert = """
    INSERT INTO item (sku, name, unit_of_measure, barcode, cost_currency, standard_cost_minor,
      price_currency, list_price_minor, active, preferred_supplier_id)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, s.id
    FROM (SELECT NULLIF($10, '') AS code) wanted
    LEFT JOIN supplier s ON s.code = wanted.code
    WHERE wanted.code IS NULL OR s.id IS NOT NULL
    ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name,
      unit_of_measure = EXCLUDED.unit_of_measure, barcode = EXCLUDED.barcode,
      cost_currency = EXCLUDED.cost_currency, standard_cost_minor = EXCLUDED.standard_cost_minor,
      price_currency = EXCLUDED.price_currency, list_price_minor = EXCLUDED.list_price_minor,
      active = EXCLUDED.active, preferred_supplier_id = EXCLUDED.preferred_supplier_id
    RETURNING (xmax = 0) AS created
    """

  private static func error(
    _ row: Int64,
    _ sku: String,
    _ error: RPCError
  )
    -> Erp_Supplychain_V1_ImportRowError
  {
    var failure = Erp_Supplychain_V1_ImportRowError()
    failure.row = row
    failure.sku = sku
    let parts = error.message.split(separator: ":", maxSplits: 1)
    failure.field = parts.count == 2 ? String(parts[0]) : ""
    failure.message =
      parts.count == 2
      ? parts[1].trimmingCharacters(in: .whitespaces) : error.message
    return failure
  }
}

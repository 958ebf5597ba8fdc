import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Items: what is stocked, bought and sold, kept by SKU.
enum Items {
  /// An item's fields, checked, as the statements below take them.
  struct Fields: Sendable {
    var sku: String
    var name: String
    var unit: String
    var barcode: String
    var costCurrency: String
    var cost: Int64
    var priceCurrency: String
    var price: Int64
    var active: Bool
    var supplierCode: String

    var parameters: [(any PostgresEncodable)?] {
      [
        self.sku, self.name, self.unit, self.barcode, self.costCurrency, self.cost,
        self.priceCurrency, self.price, self.active, self.supplierCode,
      ]
    }
  }

  /// Checks an item as sent; errors name the field under `prefix` ("item.name").
  static func fields(_ item: Erp_Supplychain_V1_Item, prefix: String = "item") throws -> Fields {
    let sku = item.sku.trimmingCharacters(in: .whitespaces)
    guard sku.wholeMatch(of: /[A-Za-z0-9._-]{1,64}/) != nil else {
      throw SupplyValues.invalid(
        "\(prefix).sku",
        "1 to 64 letters, digits, '.', '_' or '-', got \(quoted(item.sku))"
      )
    }
    let name = item.name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw SupplyValues.invalid("\(prefix).name", "1 to 200 characters")
    }
    let unit = item.unitOfMeasure.isEmpty ? "unit" : item.unitOfMeasure
    guard unit.count <= 20 else {
      throw SupplyValues.invalid("\(prefix).unit_of_measure", "at most 20 characters")
    }
    guard item.barcode.count <= 64, item.barcode.allSatisfy({ $0.isLetter || $0.isNumber }) else {
      throw SupplyValues.invalid("\(prefix).barcode", "at most 64 letters or digits")
    }
    func money(_ money: Erp_Common_V1_Money, _ field: String) throws -> (String, Int64) {
      guard money.currencyCode.isEmpty || Currency(code: money.currencyCode) != nil else {
        throw SupplyValues.invalid(
          "\(prefix).\(field).currency_code",
          "unknown ISO 4217 code \(quoted(money.currencyCode))"
        )
      }
      guard money.unitsMinor >= 0 else {
        throw SupplyValues.invalid("\(prefix).\(field).units_minor", "must not be negative")
      }
      guard money.unitsMinor == 0 || !money.currencyCode.isEmpty else {
        throw SupplyValues.invalid("\(prefix).\(field).currency_code", "required with an amount")
      }
      return (money.currencyCode, money.unitsMinor)
    }
    let (costCurrency, cost) = try money(item.standardCost, "standard_cost")
    let (priceCurrency, price) = try money(item.listPrice, "list_price")
    return Fields(
      sku: sku,
      name: name,
      unit: unit,
      barcode: item.barcode,
      costCurrency: costCurrency,
      cost: cost,
      priceCurrency: priceCurrency,
      price: price,
      active: item.active,
      supplierCode: item.preferredSupplierCode
    )
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_CreateItemRequest
  ) async throws -> Erp_Supplychain_V1_Item {
    let requestID = try checkedRequestID(request.requestID)
    var draft = try Self.fields(request.item)
    draft.active = true
    let fields = draft
    return try await Self.translatingDuplicates(fields.sku) {
      try await creatingOnce(
        pool,
        tenant,
        RequestKey("supplychain.item", request, id: \.requestID),
        requestIDConstraints: ["item_request_id_key"]
      ) { session in
        let existing = try await session.query(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE i.request_id = $1",
          [requestID]
        )
        if let row = existing.first { return try Self.item(row) }
        try await Self.checkSupplier(
          session,
          fields.supplierCode,
          field: "item.preferred_supplier_code"
        )
        let rows = try await session.query(
          """
          WITH i AS (
            INSERT INTO item (sku, name, unit_of_measure, barcode, cost_currency,
              standard_cost_minor, price_currency, list_price_minor, active, preferred_supplier_id,
              request_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
              (SELECT id FROM supplier WHERE code = NULLIF($10, '')), $11)
            RETURNING *)
          SELECT \(Self.columns) FROM i LEFT JOIN supplier s ON s.id = i.preferred_supplier_id
          """,
          fields.parameters + [requestID]
        )
        let created = try Self.item(rows[0])
        try await RecordHistory.append(
          in: session,
          .created,
          type: "item",
          id: created.sku,
          before: nil,
          after: created,
          requestID: requestID
        )
        return created
      }
    }
  }

  static func update(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_UpdateItemRequest
  ) async throws -> Erp_Supplychain_V1_Item {
    let fields = try Self.fields(request.item)
    return try await Self.translatingDuplicates(fields.sku) {
      try await pool.withTenant(tenant) { session in
        try await Self.checkSupplier(
          session,
          fields.supplierCode,
          field: "item.preferred_supplier_code"
        )
        let before = try await session.query(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE i.sku = $1 FOR UPDATE OF i",
          [fields.sku]
        ).first.map(Self.item)
        let rows = try await session.query(
          """
          WITH i AS (
            UPDATE item SET name = $2, unit_of_measure = $3, barcode = $4, cost_currency = $5,
              standard_cost_minor = $6, price_currency = $7, list_price_minor = $8, active = $9,
              preferred_supplier_id = (SELECT id FROM supplier WHERE code = NULLIF($10, ''))
            WHERE sku = $1 RETURNING *)
          SELECT \(Self.columns) FROM i LEFT JOIN supplier s ON s.id = i.preferred_supplier_id
          """,
          fields.parameters
        )
        guard let row = rows.first else {
          throw RPCError(
            code: .notFound,
            message: "item.sku: no item with SKU \(quoted(fields.sku))"
          )
        }
        let updated = try Self.item(row)
        try await RecordHistory.append(
          in: session,
          .updated,
          type: "item",
          id: updated.sku,
          before: before,
          after: updated
        )
        return updated
      }
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    sku: String
  ) async throws
    -> Erp_Supplychain_V1_Item
  {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE i.sku = $1",
      [sku]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "sku: no item with SKU \(quoted(sku))")
    }
    return try Self.item(row)
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Supplychain_V1_ListItemsRequest
  ) async throws -> [Erp_Supplychain_V1_Item] {
    guard (0...500).contains(request.pageSize) else {
      throw SupplyValues.invalid("page_size", "0 to 500")
    }
    return try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE i.sku > $1 AND (i.active OR $2) "
        + "ORDER BY i.sku LIMIT $3",
      [
        request.afterSku, request.includeInactive,
        request.pageSize == 0 ? 100 : Int(request.pageSize),
      ]
    ).map(Self.item)
  }

  static func checkSupplier(_ session: PostgresSession, _ code: String, field: String) async throws
  {
    guard !code.isEmpty else { return }
    let rows = try await session.query("SELECT 1 FROM supplier WHERE code = $1", [code])
    guard !rows.isEmpty else {
      throw RPCError(code: .notFound, message: "\(field): no supplier \(quoted(code))")
    }
  }

  /// A SKU or barcode another item has is ALREADY_EXISTS naming it.
  static func translatingDuplicates<T: Sendable>(
    _ sku: String,
    _ body: () async throws -> T
  ) async throws -> T {
    do {
      return try await body()
    } catch let error as PostgresError where error.sqlState == "23505" {
      switch error.constraint {
      case "item_sku_key":
        throw RPCError(code: .alreadyExists, message: "item.sku: SKU \(quoted(sku)) is taken")
      case "item_barcode_key":
        throw RPCError(code: .alreadyExists, message: "item.barcode: another item has it")
      default: throw error
      }
    }
  }

  static let source = "item i LEFT JOIN supplier s ON s.id = i.preferred_supplier_id"
  static let columns = """
    i.sku, i.name, i.unit_of_measure, i.barcode, i.cost_currency, i.standard_cost_minor,
    i.price_currency, i.list_price_minor, i.active, coalesce(s.code, '') AS supplier_code
    """

  static func item(_ row: PostgresRow) throws -> Erp_Supplychain_V1_Item {
    var item = Erp_Supplychain_V1_Item()
    item.sku = try row.decode("sku")
    item.name = try row.decode("name")
    item.unitOfMeasure = try row.decode("unit_of_measure")
    item.barcode = try row.decode("barcode")
    item.standardCost = Erp_Common_V1_Money(
      try row.decode("standard_cost_minor"),
      try row.decode("cost_currency")
    )
    item.listPrice = Erp_Common_V1_Money(
      try row.decode("list_price_minor"),
      try row.decode("price_currency")
    )
    item.active = try row.decode("active")
    item.preferredSupplierCode = try row.decode("supplier_code")
    return item
  }
}

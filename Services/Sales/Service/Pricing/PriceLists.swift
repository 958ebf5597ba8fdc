import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Price lists (per currency, valid for a period) and the sales settings.
enum PriceLists {
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ list: Erp_Sales_V1_PriceList
  )
    async throws -> Erp_Sales_V1_PriceList
  {
    guard list.code.wholeMatch(of: /[A-Z0-9-]{1,20}/) != nil else {
      throw SalesValues.invalid("code", "1 to 20 upper-case letters, digits or '-'")
    }
    let name = list.name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw SalesValues.invalid("name", "1 to 200 characters")
    }
    guard Currency(code: list.currencyCode) != nil else {
      throw SalesValues.invalid(
        "currency_code",
        "unknown ISO 4217 code \(quoted(list.currencyCode))"
      )
    }
    let from = try CalendarDate(list.validFrom, field: "valid_from")
    let to = list.hasValidTo ? try CalendarDate(list.validTo, field: "valid_to") : nil
    if let to, to < from { throw SalesValues.invalid("valid_to", "before valid_from") }
    for (index, entry) in list.entries.enumerated()
    where entry.unitPriceMinor < 0 || entry.sku.isEmpty {
      throw SalesValues.invalid("entries[\(index)]", "a SKU and a price that is not negative")
    }
    let key = try RequestKey("sales.price_list", list, id: \.requestID)
    do {
      return try await answeringOnce(pool, tenant, key) { session in
        let created = try await session.query(
          "INSERT INTO price_list (code, name, currency_code, valid_from, valid_to) "
            + "VALUES ($1, $2, $3, $4, $5) RETURNING id",
          [list.code, name, list.currencyCode, from, to]
        )
        let id: Int64 = try created[0].decode("id")
        if !list.entries.isEmpty {
          _ = try await session.pipeline(
            list.entries.map {
              PostgresStatement(
                "INSERT INTO price_list_entry (price_list_id, sku, unit_price_minor) VALUES ($1, $2, $3) "
                  + "ON CONFLICT (price_list_id, sku) DO UPDATE SET unit_price_minor = EXCLUDED.unit_price_minor",
                [id, $0.sku, $0.unitPriceMinor]
              )
            }
          )
        }
        var answer = list
        answer.name = name
        return answer
      }
    } catch let error as PostgresError
      where error.sqlState == "23505" && error.constraint == "price_list_code_key"
    {
      throw RPCError(code: .alreadyExists, message: "code: price list \(quoted(list.code)) exists")
    }
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> [Erp_Sales_V1_PriceList] {
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT p.code, p.name, p.currency_code, p.valid_from, p.valid_to,
        coalesce(array_agg(e.sku || '=' || e.unit_price_minor ORDER BY e.sku)
          FILTER (WHERE e.sku IS NOT NULL), '{}') AS entries
      FROM price_list p LEFT JOIN price_list_entry e ON e.price_list_id = p.id
      GROUP BY p.id ORDER BY p.code
      """
    )
    return try rows.map { row in
      var list = Erp_Sales_V1_PriceList()
      list.code = try row.decode("code")
      list.name = try row.decode("name")
      list.currencyCode = try row.decode("currency_code")
      list.validFrom = try row.decode("valid_from", as: CalendarDate.self).proto
      if let to = try row.decodeIfPresent("valid_to", as: CalendarDate.self) {
        list.validTo = to.proto
      }
      list.entries = try row.decode("entries", as: [String].self).compactMap { text in
        guard let split = text.lastIndex(of: "="),
          let price = Int64(text[text.index(after: split)...])
        else { return nil }
        var entry = Erp_Sales_V1_PriceListEntry()
        entry.sku = String(text[..<split])
        entry.unitPriceMinor = price
        return entry
      }
      return list
    }
  }

  /// The price of `sku` on the list `code`, which must be in `currency` and valid on `date`.
  static func price(
    _ session: PostgresSession,
    list code: String,
    sku: String,
    currency: String,
    on date: CalendarDate,
    field: String
  ) async throws -> Int64 {
    let rows = try await session.query(
      """
      SELECT p.currency_code, p.valid_from <= $3 AND (p.valid_to IS NULL OR p.valid_to >= $3) AS valid,
        e.unit_price_minor
      FROM price_list p LEFT JOIN price_list_entry e ON e.price_list_id = p.id AND e.sku = $2
      WHERE p.code = $1
      """,
      [code, sku, date]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "price_list_code: no price list \(quoted(code))")
    }
    guard try row.decode("currency_code", as: String.self) == currency else {
      throw SalesValues.invalid("price_list_code", "\(code) is not in \(currency)")
    }
    guard try row.decode("valid", as: Bool.self) else {
      throw RPCError(
        code: .failedPrecondition,
        message: "price_list_code: \(code) is not valid on \(date.postgresText)"
      )
    }
    guard let price = try row.decodeIfPresent("unit_price_minor", as: Int64.self) else {
      throw RPCError(
        code: .failedPrecondition,
        message: "\(field): \(code) has no price for \(sku)"
      )
    }
    return price
  }
}

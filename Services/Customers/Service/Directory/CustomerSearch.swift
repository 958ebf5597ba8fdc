import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Ranked search by name, email, phone or tag, and the name-ordered list.
enum CustomerSearch {
  /// Ranking: an exact name, email, phone or tag scores 1.0; a name starting with the query
  /// 0.9; a word of the name starting with it 0.85; containing it 0.7; otherwise the trigram
  /// similarity of the names (fuzzy: "mohamad" finds "mohammed"). Candidates come from bounded,
  /// index-driven sets (at most 1,000 infix, 200 fuzzy, 200 phone and 1,000 tag matches), so a
  /// search costs the same at a million customers as at a thousand. Pages by offset within the
  /// ranking, ties broken by name then id so pages do not overlap.
  static func search(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_SearchCustomersRequest
  )
    async throws -> Erp_Customers_V1_SearchCustomersResponse
  {
    let key = SearchKey.of(request.query)
    // Its length is limited at the API boundary (FieldLimits: `query`).
    guard !key.isEmpty else {
      throw ContactPoints.invalid("query", "1 to 200 characters")
    }
    let (size, offset) = try Self.page(request.page)
    // Phones match on their national part: a query typed with a trunk 0 ("050…") or an
    // international 00 finds the stored E.164 number by suffix.
    let digits = String(key.filter(\.isNumber).drop { $0 == "0" })
    let rows = try await pool.tenantQuery(
      tenant,
      """
      WITH candidates AS (
        -- Each way a customer can match is its own index-driven set, bounded; an OR of them
        -- would scan every customer.
        (SELECT id FROM customer WHERE search_name LIKE '%' || $2 || '%' LIMIT 1000)
        UNION
        (SELECT id FROM customer WHERE search_name OPERATOR(extensions.%) $1
          ORDER BY extensions.similarity(search_name, $1) DESC LIMIT 200)
        UNION
        (SELECT customer_id FROM customer_email WHERE email = $1)
        UNION
        (SELECT customer_id FROM customer_phone WHERE length($3) >= 6 AND phone LIKE '%' || $3 LIMIT 200)
        UNION
        (SELECT id FROM customer WHERE tags @> ARRAY[$1]::text[] LIMIT 1000)),
      scored AS (
        SELECT c.id, greatest(
          CASE WHEN c.search_name = $1 THEN 1.0
               WHEN c.search_name LIKE $2 || '%' THEN 0.9
               WHEN c.search_name LIKE '% ' || $2 || '%' THEN 0.85
               WHEN c.search_name LIKE '%' || $2 || '%' THEN 0.7
               ELSE extensions.similarity(c.search_name, $1) END,
          CASE WHEN EXISTS (SELECT 1 FROM customer_email e
                            WHERE e.customer_id = c.id AND e.email = $1) THEN 1.0 ELSE 0 END,
          CASE WHEN length($3) >= 6 AND EXISTS (SELECT 1 FROM customer_phone p
                            WHERE p.customer_id = c.id AND p.phone LIKE '%' || $3) THEN 1.0 ELSE 0 END,
          CASE WHEN $1 = ANY (c.tags) THEN 1.0 ELSE 0 END) AS score
        FROM candidates k JOIN customer c ON c.id = k.id
        WHERE ($4 OR NOT c.archived) AND \(RecordRules.predicate("c.owner_id", parameter: 7))
          AND \(RecordRules.filter("c.owner_id", parameter: 8)))
      SELECT \(CustomerStore.columns), s.score::float8::text AS score
      FROM scored s JOIN customer c ON c.id = s.id
      ORDER BY s.score DESC, c.search_name, c.id
      LIMIT $5 OFFSET $6
      """,
      [
        key, Self.escapeLike(key), digits, request.includeArchived, size + 1, offset,
        RecordRules.ownerLimit, request.ownerID,
      ]
    )
    var response = Erp_Customers_V1_SearchCustomersResponse()
    for row in rows.prefix(size) {
      var result = Erp_Customers_V1_SearchResult()
      result.customer = try CustomerStore.customer(row)
      result.score = Double(try row.decode("score", as: String.self)) ?? 0
      response.results.append(result)
    }
    if rows.count > size { response.page.nextPageToken = String(offset + size) }
    return response
  }

  /// Every customer in name order; the page token is the last customer's number, so a page
  /// never repeats or skips rows while others are inserted (keyset pagination).
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_ListCustomersRequest
  )
    async throws -> Erp_Customers_V1_ListCustomersResponse
  {
    let size = try Self.page(request.page, allowOffset: false).size
    let after = request.page.pageToken
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT \(CustomerStore.columns) FROM customer c
      WHERE ($1 OR NOT c.archived)
        AND ($2 = '' OR (c.search_name, c.id) >
          (SELECT search_name, id FROM customer WHERE number = $2))
        AND \(RecordRules.predicate("c.owner_id", parameter: 4))
        AND \(RecordRules.filter("c.owner_id", parameter: 5))
      ORDER BY c.search_name, c.id LIMIT $3
      """,
      [request.includeArchived, after, size + 1, RecordRules.ownerLimit, request.ownerID]
    )
    var response = Erp_Customers_V1_ListCustomersResponse()
    response.customers = try rows.prefix(size).map(CustomerStore.customer)
    if rows.count > size, let last = response.customers.last {
      response.page.nextPageToken = last.id
    }
    return response
  }

  static func page(
    _ page: Erp_Common_V1_PageRequest,
    allowOffset: Bool = true
  ) throws -> (size: Int, offset: Int) {
    guard page.pageSize >= 0 else {
      throw ContactPoints.invalid("page.page_size", "must not be negative")
    }
    let size = page.pageSize == 0 ? 50 : min(Int(page.pageSize), 500)
    guard allowOffset else { return (size, 0) }
    if page.pageToken.isEmpty { return (size, 0) }
    guard let offset = Int(page.pageToken), offset >= 0 else {
      throw ContactPoints.invalid("page.page_token", "not a token this search returned")
    }
    return (size, offset)
  }

  /// The query as a LIKE pattern fragment: % and _ match themselves.
  static func escapeLike(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation

/// RFM, lifetime value and customers at risk, from the "order_confirmed" events of the timeline.
enum CustomerAnalytics {
  static func rfm(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_RfmRequest
  )
    async throws -> Erp_Customers_V1_RfmResponse
  {
    guard request.currencyCode.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
      throw ContactPoints.invalid("currency_code", "an ISO 4217 code")
    }
    let asOf = try RelationshipValues.date(request.asOf, field: "as_of")
    let rows = try await pool.tenantQuery(
      tenant,
      """
      WITH orders AS (
        SELECT customer_id, max(occurred_at)::date AS last_order, count(*)::int AS frequency,
          sum(amount_minor)::bigint AS monetary
        FROM business_event
        WHERE event_type = 'order_confirmed' AND currency = $1 AND occurred_at::date <= $2
          AND customer_id IN (SELECT id FROM customer
                              WHERE \(RecordRules.predicate("owner_id", parameter: 3)))
        GROUP BY customer_id),
      lifetime AS (
        SELECT customer_id, sum(amount_minor)::bigint AS value FROM business_event
        WHERE event_type = 'order_confirmed' AND currency = $1 GROUP BY customer_id),
      scored AS (
        SELECT o.*, ($2::date - o.last_order) AS recency,
          ntile(5) OVER (ORDER BY o.last_order, o.customer_id) AS r,
          ntile(5) OVER (ORDER BY o.frequency, o.customer_id) AS f,
          ntile(5) OVER (ORDER BY o.monetary, o.customer_id) AS m
        FROM orders o)
      SELECT c.number, c.name, s.recency, s.frequency, s.monetary, s.r, s.f, s.m, l.value
      FROM scored s JOIN customer c ON c.id = s.customer_id
      JOIN lifetime l ON l.customer_id = s.customer_id
      ORDER BY s.r DESC, s.f DESC, s.m DESC, c.search_name
      """,
      [request.currencyCode, asOf, RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_RfmResponse()
    response.currencyCode = request.currencyCode
    response.customers = try rows.map { row in
      var customer = Erp_Customers_V1_RfmCustomer()
      customer.customerID = try row.decode("number", as: String.self)
      customer.name = try row.decode("name", as: String.self)
      customer.recencyDays = Int32(try row.decode("recency", as: Int.self))
      customer.frequency = Int32(try row.decode("frequency", as: Int.self))
      customer.monetaryMinor = try row.decode("monetary", as: Int64.self)
      customer.recencyScore = Int32(try row.decode("r", as: Int.self))
      customer.frequencyScore = Int32(try row.decode("f", as: Int.self))
      customer.monetaryScore = Int32(try row.decode("m", as: Int.self))
      customer.segment = Self.segment(
        recency: Int(customer.recencyScore),
        frequency: Int(customer.frequencyScore)
      )
      customer.lifetimeValueMinor = try row.decode("value", as: Int64.self)
      return customer
    }
    return response
  }

  /// The usual RFM segments from the recency and frequency scores.
  static func segment(recency: Int, frequency: Int) -> String {
    switch (recency, frequency) {
    case (4...5, 4...5): return "champions"
    case (_, 4...5): return recency <= 2 ? "at_risk" : "loyal"
    case (4...5, 1): return "new"
    case (1...2, 3): return "at_risk"
    case (1...2, 1...2): return "hibernating"
    default: return "others"
    }
  }

  static func atRisk(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_AtRiskRequest
  )
    async throws -> Erp_Customers_V1_AtRiskResponse
  {
    guard request.days > 0 else { throw ContactPoints.invalid("days", "must be positive") }
    let asOf = try RelationshipValues.date(request.asOf, field: "as_of")
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT c.number, c.name, max(e.occurred_at)::date AS last_order,
        ($1::date - max(e.occurred_at)::date) AS days
      FROM business_event e JOIN customer c ON c.id = e.customer_id
      WHERE e.event_type = 'order_confirmed' AND NOT c.archived AND e.occurred_at::date <= $1
        AND \(RecordRules.predicate("c.owner_id", parameter: 3))
      GROUP BY c.id HAVING $1::date - max(e.occurred_at)::date > $2
      ORDER BY days DESC, c.search_name
      """,
      [asOf, Int(request.days), RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_AtRiskResponse()
    response.customers = try rows.map { row in
      var customer = Erp_Customers_V1_AtRiskCustomer()
      customer.customerID = try row.decode("number", as: String.self)
      customer.name = try row.decode("name", as: String.self)
      customer.lastOrder = RelationshipValues.proto(
        try row.decode("last_order", as: CalendarDate.self)
      )
      customer.daysSince = Int32(try row.decode("days", as: Int.self))
      return customer
    }
    return response
  }
}

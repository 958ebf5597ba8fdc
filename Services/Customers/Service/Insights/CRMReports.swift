import ERPProtos
import ERPRuntime
import ERPStore

/// Pipeline by stage, activities per owner, new customers per month, top customers by revenue.
enum CRMReports {
  static func pipelineByStage(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws
    -> Erp_Customers_V1_PipelineByStageResponse
  {
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT s.code, o.currency, count(o.id)::int AS n, coalesce(sum(o.amount_minor), 0)::bigint AS amount
      FROM stage s JOIN opportunity o ON o.stage = s.code
      WHERE \(RecordRules.predicate("o.owner_id", parameter: 1))
      GROUP BY s.code, s.position, o.currency ORDER BY s.position, o.currency
      """,
      [RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_PipelineByStageResponse()
    response.stages = try rows.map { row in
      var total = Erp_Customers_V1_StageTotal()
      total.stage = try row.decode("code", as: String.self)
      total.currencyCode = try row.decode("currency", as: String.self)
      total.opportunities = Int32(try row.decode("n", as: Int.self))
      total.amountMinor = try row.decode("amount", as: Int64.self)
      return total
    }
    return response
  }

  static func period(
    _ request: Erp_Customers_V1_PeriodRequest
  ) throws -> (CalendarDate, CalendarDate) {
    try Self.period(from: request.from, to: request.to)
  }

  static func period(
    from rawFrom: Erp_Common_V1_Date,
    to rawTo: Erp_Common_V1_Date
  ) throws
    -> (CalendarDate, CalendarDate)
  {
    let from = try RelationshipValues.date(rawFrom, field: "from")
    let to = try RelationshipValues.date(rawTo, field: "to")
    guard from <= to else { throw ContactPoints.invalid("to", "must not be before from") }
    return (from, to)
  }

  static func activities(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_PeriodRequest
  )
    async throws -> Erp_Customers_V1_ActivitiesPerOwnerResponse
  {
    let (from, to) = try Self.period(request)
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT i.owner_id, i.kind, count(*)::int AS n
      FROM interaction i JOIN customer c ON c.id = i.customer_id
      WHERE i.occurred_at >= $1::date AND i.occurred_at < $2::date + 1
        AND \(RecordRules.predicate("c.owner_id", parameter: 3))
      GROUP BY i.owner_id, i.kind ORDER BY i.owner_id, i.kind
      """,
      [from, to, RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_ActivitiesPerOwnerResponse()
    response.activities = try rows.map { row in
      var activity = Erp_Customers_V1_OwnerActivity()
      activity.ownerID = try row.decode("owner_id", as: String.self)
      activity.kind = try row.decode("kind", as: String.self)
      activity.count = Int32(try row.decode("n", as: Int.self))
      return activity
    }
    return response
  }

  static func newCustomers(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_PeriodRequest
  )
    async throws -> Erp_Customers_V1_NewCustomersResponse
  {
    let (from, to) = try Self.period(request)
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT extract(year FROM created_at)::int AS year, extract(month FROM created_at)::int AS month,
        count(*)::int AS n
      FROM customer WHERE created_at >= $1::date AND created_at < $2::date + 1
        AND \(RecordRules.predicate("owner_id", parameter: 3))
      GROUP BY 1, 2 ORDER BY 1, 2
      """,
      [from, to, RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_NewCustomersResponse()
    response.months = try rows.map { row in
      var month = Erp_Customers_V1_MonthCount()
      month.year = Int32(try row.decode("year", as: Int.self))
      month.month = Int32(try row.decode("month", as: Int.self))
      month.count = Int32(try row.decode("n", as: Int.self))
      return month
    }
    return response
  }

  static func topCustomers(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_TopCustomersRequest
  )
    async throws -> Erp_Customers_V1_TopCustomersResponse
  {
    let (from, to) = try Self.period(from: request.from, to: request.to)
    let limit = request.limit <= 0 ? 10 : min(Int(request.limit), 1000)
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT c.number, c.name, sum(e.amount_minor)::bigint AS revenue, count(*)::int AS orders
      FROM business_event e JOIN customer c ON c.id = e.customer_id
      WHERE e.event_type = 'order_confirmed' AND e.currency = $1
        AND e.occurred_at >= $2::date AND e.occurred_at < $3::date + 1
        AND \(RecordRules.predicate("c.owner_id", parameter: 5))
      GROUP BY c.id ORDER BY revenue DESC, c.search_name LIMIT $4
      """,
      [request.currencyCode, from, to, limit, RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_TopCustomersResponse()
    response.customers = try rows.map { row in
      var customer = Erp_Customers_V1_CustomerRevenue()
      customer.customerID = try row.decode("number", as: String.self)
      customer.name = try row.decode("name", as: String.self)
      customer.revenueMinor = try row.decode("revenue", as: Int64.self)
      customer.orders = Int32(try row.decode("orders", as: Int.self))
      return customer
    }
    return response
  }
}

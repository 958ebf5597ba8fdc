import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Revenue (invoiced net less credited, by month, customer, item or owner), the order backlog
/// (confirmed and not shipped) and the top items, from the orders and the documents they queued.
enum SalesReportQueries {
  static func revenue(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Sales_V1_RevenueRequest
  )
    async throws -> [Erp_Sales_V1_RevenueLine]
  {
    let from = try CalendarDate(request.from, field: "from")
    let to = try CalendarDate(request.to, field: "to")
    let key: String
    switch request.groupBy {
    case .month: key = "to_char(d.issued_on, 'YYYY-MM')"
    case .customer: key = "o.customer_id"
    case .item: key = "l.sku"
    case .owner: key = "o.owner_id"
    default: throw SalesValues.invalid("group_by", "month, customer, item or owner")
    }
    return try await pool.tenantQuery(
      tenant,
      """
      SELECT \(key) AS key, o.currency_code,
        sum(CASE WHEN d.kind = 'invoice' THEN dl.net_minor ELSE -dl.net_minor END)::bigint AS net
      FROM sales_document d JOIN sales_document_line dl ON dl.key = d.key
      JOIN sales_order o ON o.id = d.order_id
      JOIN sales_order_line l ON l.order_id = o.id AND l.line_number = dl.line_number
      WHERE d.issued_on BETWEEN $1 AND $2 AND \(RecordRules.predicate("o.owner_id", parameter: 3))
      GROUP BY 1, 2 ORDER BY net DESC, key
      """,
      [from, to, RecordRules.ownerLimit]
    ).map { row in
      var line = Erp_Sales_V1_RevenueLine()
      line.key = try row.decode("key")
      line.net = Erp_Common_V1_Money(try row.decode("net"), try row.decode("currency_code"))
      return line
    }
  }

  static func backlog(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> [Erp_Sales_V1_BacklogLine] {
    try await pool.tenantQuery(
      tenant,
      """
      SELECT o.number, o.customer_id, o.status, o.currency_code,
        sum(CASE WHEN l.shipped_milli = 0 THEN l.net_minor
          ELSE round(l.net_minor::numeric * (l.quantity_milli - l.shipped_milli) / l.quantity_milli)
          END)::bigint AS unshipped
      FROM sales_order o JOIN sales_order_line l ON l.order_id = o.id
      WHERE o.status IN ('confirmed', 'partly_shipped')
        AND \(RecordRules.predicate("o.owner_id", parameter: 1))
      GROUP BY o.id ORDER BY o.order_date, o.number
      """,
      [RecordRules.ownerLimit]
    ).map { row in
      var line = Erp_Sales_V1_BacklogLine()
      line.number = try row.decode("number")
      line.customerID = try row.decode("customer_id")
      line.status = OrderStatus(rawValue: try row.decode("status"))?.proto ?? .unspecified
      line.unshipped = Erp_Common_V1_Money(
        try row.decode("unshipped"),
        try row.decode("currency_code")
      )
      return line
    }
  }

  static func topItems(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Sales_V1_TopItemsRequest
  )
    async throws -> [Erp_Sales_V1_TopItem]
  {
    let from = try CalendarDate(request.from, field: "from")
    let to = try CalendarDate(request.to, field: "to")
    guard (0...100).contains(request.limit) else { throw SalesValues.invalid("limit", "0 to 100") }
    return try await pool.tenantQuery(
      tenant,
      """
      SELECT l.sku, o.currency_code,
        sum(CASE WHEN d.kind = 'invoice' THEN dl.quantity_milli ELSE -dl.quantity_milli END)::bigint AS milli,
        sum(CASE WHEN d.kind = 'invoice' THEN dl.net_minor ELSE -dl.net_minor END)::bigint AS net
      FROM sales_document d JOIN sales_document_line dl ON dl.key = d.key
      JOIN sales_order o ON o.id = d.order_id
      JOIN sales_order_line l ON l.order_id = o.id AND l.line_number = dl.line_number
      WHERE d.issued_on BETWEEN $1 AND $2 AND \(RecordRules.predicate("o.owner_id", parameter: 4))
      GROUP BY 1, 2 ORDER BY net DESC, l.sku LIMIT $3
      """,
      [from, to, request.limit == 0 ? 10 : Int(request.limit), RecordRules.ownerLimit]
    ).map { row in
      var item = Erp_Sales_V1_TopItem()
      item.sku = try row.decode("sku")
      item.quantityMilli = try row.decode("milli")
      item.net = Erp_Common_V1_Money(try row.decode("net"), try row.decode("currency_code"))
      return item
    }
  }
}

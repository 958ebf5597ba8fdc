import ERPProtos
import ERPRuntime
import ERPStore

/// The weighted forecast and the funnel.
enum PipelineReports {
  /// amount × probability / 100, rounded half up per opportunity (amounts are never negative),
  /// summed by expected close month and currency.
  static func forecast(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_ForecastRequest
  )
    async throws -> Erp_Customers_V1_ForecastResponse
  {
    let from = try RelationshipValues.date(request.from, field: "from")
    let to = try RelationshipValues.date(request.to, field: "to")
    guard from <= to else { throw ContactPoints.invalid("to", "must not be before from") }
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT extract(year FROM o.expected_close)::int AS year,
        extract(month FROM o.expected_close)::int AS month, o.currency,
        sum((o.amount_minor * s.probability_percent + 50) / 100)::bigint AS weighted,
        sum(o.amount_minor)::bigint AS total, count(*)::int AS n
      FROM opportunity o JOIN stage s ON s.code = o.stage
      WHERE o.expected_close BETWEEN $1 AND $2 AND s.outcome <> 'lost'
        AND \(RecordRules.predicate("o.owner_id", parameter: 3))
      GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
      """,
      [from, to, RecordRules.ownerLimit]
    )
    var response = Erp_Customers_V1_ForecastResponse()
    response.months = try rows.map { row in
      var month = Erp_Customers_V1_ForecastMonth()
      month.year = Int32(try row.decode("year", as: Int.self))
      month.month = Int32(try row.decode("month", as: Int.self))
      month.currencyCode = try row.decode("currency", as: String.self)
      month.weightedMinor = try row.decode("weighted", as: Int64.self)
      month.totalMinor = try row.decode("total", as: Int64.self)
      month.opportunities = Int32(try row.decode("n", as: Int.self))
      return month
    }
    return response
  }

  /// For each open or won stage in funnel order, the opportunities that were ever in it or in a
  /// later one; and won / (won + lost) per owner.
  static func funnel(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> Erp_Customers_V1_FunnelResponse {
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          """
          WITH furthest AS (
            SELECT h.opportunity_id, max(s.position) AS position
            FROM opportunity_stage_change h JOIN stage s ON s.code = h.to_stage
            JOIN opportunity o ON o.id = h.opportunity_id
            WHERE s.outcome <> 'lost' AND \(RecordRules.predicate("o.owner_id", parameter: 1))
            GROUP BY h.opportunity_id)
          SELECT s.code, (SELECT count(*) FROM furthest f WHERE f.position >= s.position)::int AS reached
          FROM stage s WHERE s.outcome <> 'lost' ORDER BY s.position
          """,
          [RecordRules.ownerLimit]
        ),
        PostgresStatement(
          """
          SELECT o.owner_id, count(*) FILTER (WHERE s.outcome = 'won')::int AS won,
            count(*) FILTER (WHERE s.outcome = 'lost')::int AS lost
          FROM opportunity o JOIN stage s ON s.code = o.stage
          WHERE s.outcome <> 'open' AND \(RecordRules.predicate("o.owner_id", parameter: 1))
          GROUP BY o.owner_id ORDER BY o.owner_id
          """,
          [RecordRules.ownerLimit]
        ),
      ])
    }
    var response = Erp_Customers_V1_FunnelResponse()
    response.stages = try results[0].map { row in
      var stage = Erp_Customers_V1_FunnelStage()
      stage.stage = try row.decode("code", as: String.self)
      stage.reached = Int32(try row.decode("reached", as: Int.self))
      return stage
    }
    response.owners = try results[1].map { row in
      var owner = Erp_Customers_V1_OwnerWinRate()
      owner.ownerID = try row.decode("owner_id", as: String.self)
      owner.won = Int32(try row.decode("won", as: Int.self))
      owner.lost = Int32(try row.decode("lost", as: Int.self))
      let closed = Int(owner.won + owner.lost)
      owner.winRateBasisPoints = Int32(
        closed == 0 ? 0 : (Int(owner.won) * 10_000 + closed / 2) / closed
      )
      return owner
    }
    return response
  }
}

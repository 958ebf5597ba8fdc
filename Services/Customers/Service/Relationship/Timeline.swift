import ERPProtos
import ERPStore
import GRPCCore

/// A customer's interactions and business events merged, newest first. Pages are keyset pages
/// on (time, kind, id), so items added while paging never shift what comes next.
enum Timeline {
  struct Cursor {
    var micros: Int64
    var kind: Int  // 1 interaction, 0 event: interactions first among equal times
    var id: Int64

    var token: String { "\(self.micros).\(self.kind).\(self.id)" }

    init(micros: Int64, kind: Int, id: Int64) {
      self.micros = micros
      self.kind = kind
      self.id = id
    }

    init?(token: String) {
      let parts = token.split(separator: ".").compactMap { Int64($0) }
      guard parts.count == 3, parts[1] == 0 || parts[1] == 1 else { return nil }
      self.init(micros: parts[0], kind: Int(parts[1]), id: parts[2])
    }
  }

  static func read(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_TimelineRequest
  )
    async throws -> Erp_Customers_V1_TimelineResponse
  {
    guard request.page.pageSize >= 0 else {
      throw ContactPoints.invalid("page.page_size", "must not be negative")
    }
    let size = request.page.pageSize == 0 ? 50 : min(Int(request.page.pageSize), 500)
    var cursor: Cursor?
    if !request.page.pageToken.isEmpty {
      guard let parsed = Cursor(token: request.page.pageToken) else {
        throw ContactPoints.invalid("page.page_token", "not a token this timeline returned")
      }
      cursor = parsed
    }
    let after = cursor.map { Timestamp(microsecondsSinceEpoch: $0.micros) }
    let parameters: [(any PostgresEncodable)?] = [
      request.customerID, after, cursor?.kind ?? 2, cursor?.id ?? Int64.max, size + 1,
    ]
    let results = try await pool.withTenant(tenant) { session in
      _ = try await InteractionLog.customerID(session, request.customerID, field: "customer_id")
      return try await session.pipeline([
        PostgresStatement(
          """
          SELECT \(InteractionLog.columns) FROM interaction i JOIN customer c ON c.id = i.customer_id
          WHERE c.number = $1 AND ($2::timestamptz IS NULL
            OR (i.occurred_at, 1, i.id) < ($2::timestamptz, $3::int, $4::bigint))
          ORDER BY i.occurred_at DESC, i.id DESC LIMIT $5
          """,
          parameters
        ),
        PostgresStatement(
          """
          SELECT \(InteractionLog.eventColumns) FROM business_event e
          JOIN customer c ON c.id = e.customer_id
          WHERE c.number = $1 AND ($2::timestamptz IS NULL
            OR (e.occurred_at, 0, e.id) < ($2::timestamptz, $3::int, $4::bigint))
          ORDER BY e.occurred_at DESC, e.id DESC LIMIT $5
          """,
          parameters
        ),
      ])
    }
    var merged: [(Cursor, Erp_Customers_V1_TimelineItem)] = []
    for row in results[0] {
      var item = Erp_Customers_V1_TimelineItem()
      item.interaction = try InteractionLog.interaction(row)
      item.occurredAt = item.interaction.occurredAt
      let time = try row.decode("occurred_at", as: Timestamp.self)
      merged.append(
        (
          Cursor(
            micros: time.microsecondsSinceEpoch,
            kind: 1,
            id: try row.decode("id", as: Int64.self)
          ), item
        )
      )
    }
    for row in results[1] {
      let time = try row.decode("occurred_at", as: Timestamp.self)
      merged.append(
        (
          Cursor(
            micros: time.microsecondsSinceEpoch,
            kind: 0,
            id: try row.decode("id", as: Int64.self)
          ),
          try InteractionLog.eventItem(row)
        )
      )
    }
    merged.sort { ($0.0.micros, $0.0.kind, $0.0.id) > ($1.0.micros, $1.0.kind, $1.0.id) }
    var response = Erp_Customers_V1_TimelineResponse()
    response.items = merged.prefix(size).map(\.1)
    if merged.count > size { response.page.nextPageToken = merged[size - 1].0.token }
    return response
  }
}

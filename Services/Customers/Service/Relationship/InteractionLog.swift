import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Interactions staff log and business events the other services append.
enum InteractionLog {
  static let kinds: [(Erp_Customers_V1_InteractionKind, String)] = [
    (.call, "call"), (.email, "email"), (.meeting, "meeting"), (.note, "note"), (.task, "task"),
    (.ticket, "ticket"),
  ]

  static func log(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_LogInteractionRequest
  )
    async throws -> Erp_Customers_V1_Interaction
  {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw ContactPoints.invalid("request_id", "1 to 100 characters")
    }
    let interaction = request.interaction
    guard let kind = Self.kinds.first(where: { $0.0 == interaction.kind })?.1 else {
      throw ContactPoints.invalid("interaction.kind", "CALL, EMAIL, MEETING, NOTE, TASK or TICKET")
    }
    let occurred = try RelationshipValues.timestamp(
      interaction.occurredAt,
      field: "interaction.occurred_at"
    )
    let due =
      interaction.hasDueDate
      ? try RelationshipValues.date(interaction.dueDate, field: "interaction.due_date") : nil
    guard due == nil || kind == "task" || kind == "ticket" else {
      throw ContactPoints.invalid("interaction.due_date", "only tasks and tickets have one")
    }
    guard interaction.subject.count <= 200, interaction.body.count <= 20_000 else {
      throw ContactPoints.invalid(
        "interaction.body",
        "subject up to 200, body up to 20,000 characters"
      )
    }
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("customers.interaction", request, id: \.requestID),
      requestIDConstraints: ["interaction_request_id_key"]
    ) {
      session in
      if let row = try await session.query(
        "SELECT \(Self.columns) FROM interaction i JOIN customer c ON c.id = i.customer_id "
          + "WHERE i.request_id = $1",
        [request.requestID]
      ).first {
        return try Self.interaction(row)
      }
      let customer = try await Self.customerID(
        session,
        interaction.customerID,
        field: "interaction.customer_id"
      )
      let rows = try await session.query(
        """
        WITH new AS (
          INSERT INTO interaction (number, request_id, customer_id, kind, occurred_at, subject, body,
            participants, outcome, due_date, owner_id)
          VALUES ('I-' || lpad(nextval('interaction_number')::text, 6, '0'), $1, $2, $3, $4, $5, $6,
            $7::text[], $8, $9, $10)
          RETURNING *)
        SELECT \(Self.columns) FROM new i JOIN customer c ON c.id = i.customer_id
        """,
        [
          request.requestID, customer, kind, occurred, interaction.subject, interaction.body,
          interaction.participants, interaction.outcome, due, interaction.ownerID,
        ]
      )
      return try Self.interaction(rows[0])
    }
  }

  static func complete(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_CompleteInteractionRequest
  )
    async throws -> Erp_Customers_V1_Interaction
  {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        """
        WITH done AS (
          UPDATE interaction SET done = true,
            outcome = CASE WHEN $2 = '' THEN outcome ELSE $2 END
          WHERE number = $1 AND kind IN ('task', 'ticket')
            AND customer_id IN (SELECT id FROM customer
                                WHERE \(RecordRules.predicate("owner_id", parameter: 3)))
          RETURNING *)
        SELECT \(Self.columns) FROM done i JOIN customer c ON c.id = i.customer_id
        """,
        [request.id, request.outcome, RecordRules.ownerLimit]
      )
      guard let row = rows.first else {
        throw RPCError(code: .notFound, message: "id: no task or ticket \(quoted(request.id))")
      }
      return try Self.interaction(row)
    }
  }

  static func append(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_AppendEventRequest
  )
    async throws -> Erp_Customers_V1_TimelineItem
  {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw ContactPoints.invalid("request_id", "1 to 100 characters")
    }
    let occurred = try RelationshipValues.timestamp(request.occurredAt, field: "occurred_at")
    guard request.source.range(of: "^[a-z][a-z0-9_]{0,29}$", options: .regularExpression) != nil
    else {
      throw ContactPoints.invalid("source", "a service name such as \"sales\"")
    }
    guard request.eventType.range(of: "^[a-z][a-z0-9_]{0,49}$", options: .regularExpression) != nil
    else {
      throw ContactPoints.invalid("event_type", "lower_snake_case, such as \"order_confirmed\"")
    }
    if request.hasAmount {
      guard request.amount.currencyCode.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil
      else {
        throw ContactPoints.invalid("amount.currency_code", "an ISO 4217 code")
      }
    }
    let currency: String? = request.hasAmount ? request.amount.currencyCode : nil
    let amount: Int64? = request.hasAmount ? request.amount.unitsMinor : nil
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("customers.event", request, id: \.requestID),
      requestIDConstraints: ["business_event_request_id_key"]
    ) {
      session in
      if let row = try await session.query(
        "SELECT \(Self.eventColumns) FROM business_event e JOIN customer c ON c.id = e.customer_id "
          + "WHERE e.request_id = $1",
        [request.requestID]
      ).first {
        return try Self.eventItem(row)
      }
      let customer = try await Self.customerID(session, request.customerID, field: "customer_id")
      let rows = try await session.query(
        """
        WITH new AS (
          INSERT INTO business_event (number, request_id, customer_id, source, event_type,
            occurred_at, summary, currency, amount_minor, reference)
          VALUES ('E-' || lpad(nextval('business_event_number')::text, 6, '0'), $1, $2, $3, $4, $5,
            $6, $7, $8, $9)
          RETURNING *)
        SELECT \(Self.eventColumns) FROM new e JOIN customer c ON c.id = e.customer_id
        """,
        [
          request.requestID, customer, request.source, request.eventType, occurred,
          request.summary, currency, amount, request.reference,
        ]
      )
      return try Self.eventItem(rows[0])
    }
  }

  static func customerID(
    _ session: PostgresSession,
    _ number: String,
    field: String
  ) async throws -> Int64 {
    try await CustomerStore.id(session, number: number, field: field)
  }

  static let columns = """
    i.id, i.number, c.number AS customer_number, i.kind, i.occurred_at, i.subject, i.body,
    i.participants, i.outcome, i.due_date, i.done, i.owner_id
    """

  static func interaction(_ row: PostgresRow) throws -> Erp_Customers_V1_Interaction {
    var interaction = Erp_Customers_V1_Interaction()
    interaction.id = try row.decode("number", as: String.self)
    interaction.customerID = try row.decode("customer_number", as: String.self)
    let kind = try row.decode("kind", as: String.self)
    interaction.kind = Self.kinds.first { $0.1 == kind }?.0 ?? .unspecified
    interaction.occurredAt = RelationshipValues.proto(
      try row.decode("occurred_at", as: Timestamp.self)
    )
    interaction.subject = try row.decode("subject", as: String.self)
    interaction.body = try row.decode("body", as: String.self)
    interaction.participants = try row.decode("participants", as: [String].self)
    interaction.outcome = try row.decode("outcome", as: String.self)
    if let due = try row.decodeIfPresent("due_date", as: CalendarDate.self) {
      interaction.dueDate = RelationshipValues.proto(due)
    }
    interaction.done = try row.decode("done", as: Bool.self)
    interaction.ownerID = try row.decode("owner_id", as: String.self)
    return interaction
  }

  static let eventColumns = """
    e.id, e.number, c.number AS customer_number, e.source, e.event_type, e.occurred_at, e.summary,
    e.currency, e.amount_minor, e.reference
    """

  static func eventItem(_ row: PostgresRow) throws -> Erp_Customers_V1_TimelineItem {
    var event = Erp_Customers_V1_BusinessEvent()
    event.id = try row.decode("number", as: String.self)
    event.customerID = try row.decode("customer_number", as: String.self)
    event.source = try row.decode("source", as: String.self)
    event.eventType = try row.decode("event_type", as: String.self)
    event.summary = try row.decode("summary", as: String.self)
    event.reference = try row.decode("reference", as: String.self)
    if let currency = try row.decodeIfPresent("currency", as: String.self) {
      event.amount.currencyCode = currency
      event.amount.unitsMinor = try row.decode("amount_minor", as: Int64.self)
    }
    var item = Erp_Customers_V1_TimelineItem()
    item.occurredAt = RelationshipValues.proto(try row.decode("occurred_at", as: Timestamp.self))
    item.event = event
    return item
  }
}

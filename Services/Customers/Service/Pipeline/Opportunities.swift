import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Stages and opportunities.
enum Opportunities {
  static let outcomes: [(Erp_Customers_V1_StageOutcome, String)] = [
    (.open, "open"), (.won, "won"), (.lost, "lost"),
  ]

  static func stages(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> [Erp_Customers_V1_Stage] {
    try await pool.tenantQuery(
      tenant,
      "SELECT code, name, probability_percent, position, outcome FROM stage ORDER BY position, code"
    ).map(Self.stage)
  }

  static func stage(_ row: PostgresRow) throws -> Erp_Customers_V1_Stage {
    var stage = Erp_Customers_V1_Stage()
    stage.code = try row.decode("code", as: String.self)
    stage.name = try row.decode("name", as: String.self)
    stage.probabilityPercent = Int32(try row.decode("probability_percent", as: Int.self))
    stage.position = Int32(try row.decode("position", as: Int.self))
    let outcome = try row.decode("outcome", as: String.self)
    stage.outcome = Self.outcomes.first { $0.1 == outcome }?.0 ?? .unspecified
    return stage
  }

  static func configure(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ stage: Erp_Customers_V1_Stage
  )
    async throws -> Erp_Customers_V1_Stage
  {
    guard stage.code.range(of: "^[a-z][a-z0-9_]{0,29}$", options: .regularExpression) != nil else {
      throw ContactPoints.invalid("code", "lower_snake_case, up to 30 characters")
    }
    guard !stage.name.isEmpty, stage.name.count <= 100 else {
      throw ContactPoints.invalid("name", "1 to 100 characters")
    }
    guard (0...100).contains(stage.probabilityPercent) else {
      throw ContactPoints.invalid("probability_percent", "0 to 100")
    }
    return try await pool.withTenant(tenant) { session in
      let existing = try await session.query(
        "SELECT outcome FROM stage WHERE code = $1",
        [stage.code]
      )
      if let row = existing.first, try row.decode("outcome", as: String.self) != "open" {
        throw RPCError(
          code: .failedPrecondition,
          message: "code: \(stage.code) is a closing stage and keeps its meaning"
        )
      }
      return try await session.query(
        """
        INSERT INTO stage (code, name, probability_percent, position, outcome)
        VALUES ($1, $2, $3, $4, 'open')
        ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name,
          probability_percent = EXCLUDED.probability_percent, position = EXCLUDED.position
        RETURNING code, name, probability_percent, position, outcome
        """,
        [stage.code, stage.name, Int(stage.probabilityPercent), Int(stage.position)]
      ).map(Self.stage)[0]
    }
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_CreateOpportunityRequest,
    convertingLead: Bool
  ) async throws -> Erp_Customers_V1_Opportunity {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw ContactPoints.invalid("request_id", "1 to 100 characters")
    }
    let opportunity = request.opportunity
    guard !opportunity.name.isEmpty, opportunity.name.count <= 200 else {
      throw ContactPoints.invalid("opportunity.name", "1 to 200 characters")
    }
    guard
      opportunity.amount.currencyCode.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil
    else {
      throw ContactPoints.invalid("opportunity.amount.currency_code", "an ISO 4217 code")
    }
    guard opportunity.amount.unitsMinor >= 0 else {
      throw ContactPoints.invalid("opportunity.amount.units_minor", "must not be negative")
    }
    let close = try RelationshipValues.date(
      opportunity.expectedClose,
      field: "opportunity.expected_close"
    )
    let stageCode = opportunity.stage.isEmpty ? "lead" : opportunity.stage
    let ownerID = try RecordRules.owner(
      forNew: opportunity.ownerID,
      field: "opportunity.owner_id"
    )
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("customers.opportunity", request, id: \.requestID),
      requestIDConstraints: ["opportunity_request_id_key"]
    ) {
      session in
      if let row = try await session.query(
        "SELECT id FROM opportunity WHERE request_id = $1",
        [request.requestID]
      ).first {
        return try await Self.read(session, id: try row.decode("id", as: Int64.self))
      }
      let customer = try await session.query(
        "SELECT id, stage FROM customer WHERE number = $1 AND "
          + RecordRules.predicate("owner_id", parameter: 2) + " FOR UPDATE",
        [opportunity.customerID, RecordRules.ownerLimit]
      )
      guard let owner = customer.first else {
        throw RPCError(
          code: .notFound,
          message: "opportunity.customer_id: no customer \(quoted(opportunity.customerID))"
        )
      }
      if convertingLead {
        guard try owner.decode("stage", as: String.self) == "lead" else {
          throw RPCError(
            code: .failedPrecondition,
            message: "opportunity.customer_id: \(opportunity.customerID) is not a lead"
          )
        }
        let customerID = try owner.decode("id", as: Int64.self)
        try await session.query(
          "UPDATE customer SET stage = 'prospect' WHERE id = $1",
          [customerID]
        )
        // The lead became a customer: partners hear of it as of a customer created, once per
        // conversion (the key names the customer, so a conversion repeated later is the same
        // event).
        let converted = try await CustomerStore.read(session, id: customerID)
        try await PartnerEvents.queue(
          session,
          .customerCreated,
          key: "customer:\(converted.id):converted",
          data: converted
        )
      }
      let stages = try await session.query("SELECT outcome FROM stage WHERE code = $1", [stageCode])
      guard let stage = stages.first else {
        throw ContactPoints.invalid("opportunity.stage", "no stage \(quoted(stageCode))")
      }
      guard try stage.decode("outcome", as: String.self) == "open" else {
        throw ContactPoints.invalid(
          "opportunity.stage",
          "a new opportunity starts in an open stage"
        )
      }
      let id = try await session.query(
        """
        INSERT INTO opportunity (number, request_id, customer_id, name, currency, amount_minor,
          expected_close, owner_id, stage)
        VALUES ('O-' || lpad(nextval('opportunity_number')::text, 6, '0'), $1, $2, $3, $4, $5, $6, $7, $8)
        RETURNING id
        """,
        [
          request.requestID, try owner.decode("id", as: Int64.self), opportunity.name,
          opportunity.amount.currencyCode, opportunity.amount.unitsMinor, close,
          ownerID,
          stageCode,
        ]
      )[0].decode("id", as: Int64.self)
      try await session.query(
        "INSERT INTO opportunity_stage_change (opportunity_id, from_stage, to_stage) VALUES ($1, NULL, $2)",
        [id, stageCode]
      )
      let created = try await Self.read(session, id: id)
      try await RecordHistory.append(
        in: session,
        .created,
        type: "opportunity",
        id: created.id,
        before: nil,
        after: created,
        requestID: request.requestID
      )
      return created
    }
  }

  /// Moves an opportunity; closed ones (won or lost) stay closed, and closing needs a reason.
  /// Moving to the stage it is in changes nothing (a retried move is harmless).
  static func move(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_MoveOpportunityRequest
  )
    async throws -> Erp_Customers_V1_Opportunity
  {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        """
        SELECT o.id, o.stage, s.outcome FROM opportunity o JOIN stage s ON s.code = o.stage
        WHERE o.number = $1 AND \(RecordRules.predicate("o.owner_id", parameter: 2))
        FOR UPDATE OF o
        """,
        [request.id, RecordRules.ownerLimit]
      )
      guard let row = rows.first else {
        throw RPCError(code: .notFound, message: "id: no opportunity \(quoted(request.id))")
      }
      let id = try row.decode("id", as: Int64.self)
      let current = try row.decode("stage", as: String.self)
      if current == request.stage { return try await Self.read(session, id: id) }
      guard try row.decode("outcome", as: String.self) == "open" else {
        throw RPCError(
          code: .failedPrecondition,
          message: "id: \(request.id) is already closed (\(current))"
        )
      }
      let targets = try await session.query(
        "SELECT outcome FROM stage WHERE code = $1",
        [request.stage]
      )
      guard let target = targets.first else {
        throw ContactPoints.invalid("stage", "no stage \(quoted(request.stage))")
      }
      let closing = try target.decode("outcome", as: String.self) != "open"
      guard !closing || !request.reason.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw ContactPoints.invalid("reason", "required when an opportunity is won or lost")
      }
      let before = try await Self.read(session, id: id)
      try await session.pipeline([
        PostgresStatement(
          "UPDATE opportunity SET stage = $2, close_reason = $3 WHERE id = $1",
          [id, request.stage, closing ? request.reason : ""]
        ),
        PostgresStatement(
          """
          INSERT INTO opportunity_stage_change (opportunity_id, from_stage, to_stage, reason)
          VALUES ($1, $2, $3, $4)
          """,
          [id, current, request.stage, request.reason]
        ),
      ])
      let moved = try await Self.read(session, id: id)
      try await RecordHistory.append(
        in: session,
        .statusChanged,
        type: "opportunity",
        id: moved.id,
        before: before,
        after: moved
      )
      let key = "opportunity:\(request.id):\(request.stage)"
      try await PartnerEvents.queue(session, .opportunityStageChanged, key: key, data: moved)
      if closing {
        let won = try target.decode("outcome", as: String.self) == "won"
        try await PartnerEvents.queue(
          session,
          won ? .opportunityWon : .opportunityLost,
          key: key,
          data: moved
        )
      }
      return moved
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Customers_V1_Opportunity
  {
    try await pool.withTenant(tenant) { session in
      guard
        let row = try await session.query(
          "SELECT id FROM opportunity WHERE number = $1 AND "
            + RecordRules.predicate("owner_id", parameter: 2),
          [number, RecordRules.ownerLimit]
        ).first
      else {
        throw RPCError(code: .notFound, message: "id: no opportunity \(quoted(number))")
      }
      return try await Self.read(session, id: try row.decode("id", as: Int64.self))
    }
  }

  /// A customer's opportunities, newest first.
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_ListOpportunitiesRequest
  ) async throws -> [Erp_Customers_V1_Opportunity] {
    guard (0...100).contains(request.limit) else {
      throw RPCError(code: .invalidArgument, message: "limit: 0 to 100")
    }
    return try await pool.withTenant(tenant) { session in
      let ids = try await session.query(
        """
        SELECT o.id FROM opportunity o JOIN customer c ON c.id = o.customer_id
        JOIN stage s ON s.code = o.stage
        WHERE c.number = $1 AND (NOT $2 OR s.outcome = 'open')
          AND \(RecordRules.predicate("o.owner_id", parameter: 4))
          AND \(RecordRules.filter("o.owner_id", parameter: 5))
        ORDER BY o.id DESC LIMIT $3
        """,
        [
          request.customerID, request.openOnly, request.limit == 0 ? 20 : Int(request.limit),
          RecordRules.ownerLimit, request.ownerID,
        ]
      )
      var opportunities: [Erp_Customers_V1_Opportunity] = []
      for row in ids {
        opportunities.append(try await Self.read(session, id: try row.decode("id")))
      }
      return opportunities
    }
  }

  static func read(
    _ session: PostgresSession,
    id: Int64
  ) async throws -> Erp_Customers_V1_Opportunity {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT o.number, c.number AS customer_number, o.name, o.currency, o.amount_minor,
          o.expected_close, o.owner_id, o.stage, s.outcome, o.close_reason
        FROM opportunity o JOIN customer c ON c.id = o.customer_id JOIN stage s ON s.code = o.stage
        WHERE o.id = $1
        """,
        [id]
      ),
      PostgresStatement(
        """
        SELECT coalesce(from_stage, '') AS from_stage, to_stage, changed_at, reason
        FROM opportunity_stage_change WHERE opportunity_id = $1 ORDER BY changed_at
        """,
        [id]
      ),
    ])
    let row = results[0][0]
    var opportunity = Erp_Customers_V1_Opportunity()
    opportunity.id = try row.decode("number", as: String.self)
    opportunity.customerID = try row.decode("customer_number", as: String.self)
    opportunity.name = try row.decode("name", as: String.self)
    opportunity.amount.currencyCode = try row.decode("currency", as: String.self)
    opportunity.amount.unitsMinor = try row.decode("amount_minor", as: Int64.self)
    opportunity.expectedClose = RelationshipValues.proto(
      try row.decode("expected_close", as: CalendarDate.self)
    )
    opportunity.ownerID = try row.decode("owner_id", as: String.self)
    opportunity.stage = try row.decode("stage", as: String.self)
    let outcome = try row.decode("outcome", as: String.self)
    opportunity.outcome = Self.outcomes.first { $0.1 == outcome }?.0 ?? .unspecified
    opportunity.closeReason = try row.decode("close_reason", as: String.self)
    opportunity.history = try results[1].map { change in
      var proto = Erp_Customers_V1_StageChange()
      proto.fromStage = try change.decode("from_stage", as: String.self)
      proto.toStage = try change.decode("to_stage", as: String.self)
      proto.changedAt = RelationshipValues.proto(
        try change.decode("changed_at", as: Timestamp.self)
      )
      proto.reason = try change.decode("reason", as: String.self)
      return proto
    }
    return opportunity
  }
}

import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Customers of one tenant: created (idempotent by request id), read, updated, archived, listed.
enum CustomerStore {
  /// A customer's fields, checked; each failure names its field.
  struct Checked: Sendable {
    var kind: String
    var name: String
    var emails: [String]
    var phones: [String]
    var taxNumber: String
    var tags: [String]
    var ownerID: String
    var stage: String
    var addressJSON: String
  }

  static let kinds: [(Erp_Customers_V1_CustomerKind, String)] = [
    (.organisation, "organisation"), (.individual, "individual"),
  ]
  static let stages: [(Erp_Customers_V1_LifecycleStage, String)] = [
    (.lead, "lead"), (.prospect, "prospect"), (.customer, "customer"), (.inactive, "inactive"),
  ]

  static func check(_ customer: Erp_Customers_V1_Customer, callingCode: String) throws -> Checked {
    guard let kind = Self.kinds.first(where: { $0.0 == customer.kind })?.1 else {
      throw ContactPoints.invalid("customer.kind", "ORGANISATION or INDIVIDUAL is required")
    }
    let name = customer.name.trimmingCharacters(in: .whitespacesAndNewlines)
    // Its length is limited at the API boundary (FieldLimits: `name`).
    guard !name.isEmpty else {
      throw ContactPoints.invalid("customer.name", "1 to 200 characters")
    }
    let emails = try Array(
      Set(
        customer.emails.enumerated().map {
          try ContactPoints.email($0.element, field: "customer.emails[\($0.offset)]")
        }
      )
    ).sorted()
    let phones = try Array(
      Set(
        customer.phones.enumerated().map {
          try ContactPoints.phone(
            $0.element,
            defaultCallingCode: callingCode,
            field: "customer.phones[\($0.offset)]"
          )
        }
      )
    ).sorted()
    let tags = Array(Set(customer.tags.map { SearchKey.of($0) }.filter { !$0.isEmpty })).sorted()
    guard tags.allSatisfy({ $0.count <= 50 }), tags.count <= 50 else {
      throw ContactPoints.invalid("customer.tags", "at most 50 tags of 50 characters")
    }
    let stage = Self.stages.first { $0.0 == customer.stage }?.1 ?? "lead"
    let address = customer.address
    guard
      address.countryCode.isEmpty
        || (address.countryCode.count == 2
          && address.countryCode.allSatisfy { $0.isASCII && $0.isUppercase })
    else {
      throw ContactPoints.invalid(
        "customer.address.country_code",
        "ISO 3166-1 alpha-2, e.g. \"SA\""
      )
    }
    let json = try JSONSerialization.data(
      withJSONObject: [
        "line1": address.line1, "line2": address.line2, "city": address.city,
        "region": address.region, "postal_code": address.postalCode,
        "country_code": address.countryCode,
      ],
      options: [.sortedKeys]
    )
    return Checked(
      kind: kind,
      name: name,
      emails: emails,
      phones: phones,
      taxNumber: customer.taxNumber.trimmingCharacters(in: .whitespaces),
      tags: tags,
      ownerID: customer.ownerID,
      stage: stage,
      addressJSON: String(decoding: json, as: UTF8.self)
    )
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_CreateCustomerRequest
  )
    async throws -> Erp_Customers_V1_Customer
  {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw ContactPoints.invalid("request_id", "1 to 100 characters")
    }
    var owned = try Self.check(request.customer, callingCode: request.defaultCountryCallingCode)
    owned.ownerID = try RecordRules.owner(forNew: owned.ownerID, field: "customer.owner_id")
    let checked = owned
    do {
      return try await creatingOnce(
        pool,
        tenant,
        RequestKey("customers.customer", request, id: \.requestID),
        requestIDConstraints: ["customer_request_id_key"]
      ) {
        session in
        let existing = try await session.query(
          "SELECT id FROM customer WHERE request_id = $1",
          [request.requestID]
        )
        if let row = existing.first {
          return try await Self.read(session, id: try row.decode("id", as: Int64.self))
        }
        let id = try await session.query(
          """
          INSERT INTO customer (number, request_id, kind, name, search_name, tax_number, tags,
            owner_id, stage, address)
          VALUES ('C-' || lpad(nextval('customer_number')::text, 6, '0'), $1, $2, $3, $4, $5,
            $6::text[], $7, $8, $9::jsonb)
          RETURNING id
          """,
          [
            request.requestID, checked.kind, checked.name, SearchKey.of(checked.name),
            checked.taxNumber, checked.tags, checked.ownerID, checked.stage, checked.addressJSON,
          ]
        )[0].decode("id", as: Int64.self)
        try await Self.writeContactPoints(session, id: id, checked)
        let customer = try await Self.read(session, id: id)
        try await RecordHistory.append(
          in: session,
          .created,
          type: "customer",
          id: customer.id,
          before: nil,
          after: customer,
          requestID: request.requestID
        )
        try await PartnerEvents.queue(
          session,
          .customerCreated,
          key: "customer:\(customer.id)",
          data: customer
        )
        return customer
      }
    } catch let error as PostgresError where error.sqlState == "23505" {
      throw Self.duplicate(error)
    }
  }

  static func duplicate(_ error: PostgresError) -> RPCError {
    if error.constraint == "customer_email_unique" {
      return RPCError(
        code: .alreadyExists,
        message: "customer.emails: another customer already has this email (\(error.detail ?? ""))"
          .replacingOccurrences(of: " ()", with: "")
      )
    }
    return error.rpcError
  }

  static func writeContactPoints(
    _ session: PostgresSession,
    id: Int64,
    _ checked: Checked
  ) async throws {
    var statements = [
      PostgresStatement("DELETE FROM customer_email WHERE customer_id = $1", [id]),
      PostgresStatement("DELETE FROM customer_phone WHERE customer_id = $1", [id]),
    ]
    for email in checked.emails {
      statements.append(
        PostgresStatement(
          "INSERT INTO customer_email (customer_id, email) VALUES ($1, $2)",
          [id, email]
        )
      )
    }
    for phone in checked.phones {
      statements.append(
        PostgresStatement(
          "INSERT INTO customer_phone (customer_id, phone) VALUES ($1, $2)",
          [id, phone]
        )
      )
    }
    try await session.pipeline(statements)
  }

  static func update(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_UpdateCustomerRequest
  )
    async throws -> Erp_Customers_V1_Customer
  {
    var owned = try Self.check(request.customer, callingCode: request.defaultCountryCallingCode)
    owned.ownerID = try RecordRules.owner(forUpdate: owned.ownerID, field: "customer.owner_id")
    let checked = owned
    do {
      return try await pool.withTenant(tenant) { session in
        let id = try await Self.id(session, number: request.customer.id, field: "customer.id")
        let before = try await Self.read(session, id: id)
        try await session.query(
          """
          UPDATE customer SET kind = $2, name = $3, search_name = $4, tax_number = $5,
            tags = $6::text[], owner_id = $7, stage = $8, address = $9::jsonb
          WHERE id = $1
          """,
          [
            id, checked.kind, checked.name, SearchKey.of(checked.name), checked.taxNumber,
            checked.tags, checked.ownerID, checked.stage, checked.addressJSON,
          ]
        )
        try await Self.writeContactPoints(session, id: id, checked)
        let customer = try await Self.read(session, id: id)
        try await RecordHistory.append(
          in: session,
          .updated,
          type: "customer",
          id: customer.id,
          before: before,
          after: customer
        )
        // Each update is a fact of its own (updates carry no request id).
        try await PartnerEvents.queue(
          session,
          .customerUpdated,
          key: "customer:\(customer.id):\(UUID().uuidString)",
          data: customer
        )
        return customer
      }
    } catch let error as PostgresError where error.sqlState == "23505" {
      throw Self.duplicate(error)
    }
  }

  static func archive(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Customers_V1_Customer
  {
    try await pool.withTenant(tenant) { session in
      let id = try await Self.id(session, number: number, field: "id")
      let before = try await Self.read(session, id: id)
      try await session.query("UPDATE customer SET archived = true WHERE id = $1", [id])
      let archived = try await Self.read(session, id: id)
      try await RecordHistory.append(
        in: session,
        .statusChanged,
        type: "customer",
        id: number,
        before: before,
        after: archived
      )
      return archived
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Customers_V1_Customer
  {
    try await pool.withTenant(tenant) { session in
      try await Self.read(session, id: try await Self.id(session, number: number, field: "id"))
    }
  }

  /// The customer's row id, if the caller may see it (``RecordRules``): another owner's customer
  /// is NOT_FOUND to a caller limited to its own, as one that does not exist.
  static func id(_ session: PostgresSession, number: String, field: String) async throws -> Int64 {
    let rows = try await session.query(
      "SELECT id FROM customer WHERE number = $1 AND "
        + RecordRules.predicate("owner_id", parameter: 2),
      [number, RecordRules.ownerLimit]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no customer \(quoted(number))")
    }
    return try row.decode("id", as: Int64.self)
  }

  static let columns = """
    c.id, c.number, c.kind, c.name, c.tax_number, c.tags, c.owner_id, c.stage, c.address::text
      AS address, c.archived,
    coalesce((SELECT m.number FROM customer m WHERE m.id = c.merged_into), '') AS merged_into,
    ARRAY(SELECT email FROM customer_email WHERE customer_id = c.id ORDER BY email) AS emails,
    ARRAY(SELECT phone FROM customer_phone WHERE customer_id = c.id ORDER BY phone) AS phones
    """

  static func read(_ session: PostgresSession, id: Int64) async throws -> Erp_Customers_V1_Customer
  {
    let rows = try await session.query(
      "SELECT \(Self.columns) FROM customer c WHERE c.id = $1",
      [id]
    )
    return try Self.customer(rows[0])
  }

  static func customer(_ row: PostgresRow) throws -> Erp_Customers_V1_Customer {
    var customer = Erp_Customers_V1_Customer()
    customer.id = try row.decode("number", as: String.self)
    let kind = try row.decode("kind", as: String.self)
    customer.kind = Self.kinds.first { $0.1 == kind }?.0 ?? .unspecified
    customer.name = try row.decode("name", as: String.self)
    customer.taxNumber = try row.decode("tax_number", as: String.self)
    customer.tags = try row.decode("tags", as: [String].self)
    customer.ownerID = try row.decode("owner_id", as: String.self)
    let stage = try row.decode("stage", as: String.self)
    customer.stage = Self.stages.first { $0.1 == stage }?.0 ?? .unspecified
    customer.archived = try row.decode("archived", as: Bool.self)
    customer.mergedInto = try row.decode("merged_into", as: String.self)
    customer.emails = try row.decode("emails", as: [String].self)
    customer.phones = try row.decode("phones", as: [String].self)
    let address = try row.decode("address", as: String.self)
    if let object = try JSONSerialization.jsonObject(with: Data(address.utf8)) as? [String: String]
    {
      customer.address.line1 = object["line1"] ?? ""
      customer.address.line2 = object["line2"] ?? ""
      customer.address.city = object["city"] ?? ""
      customer.address.region = object["region"] ?? ""
      customer.address.postalCode = object["postal_code"] ?? ""
      customer.address.countryCode = object["country_code"] ?? ""
    }
    return customer
  }
}

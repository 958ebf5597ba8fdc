import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// People at organisations.
enum Contacts {
  static func add(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_AddContactRequest
  )
    async throws -> Erp_Customers_V1_Contact
  {
    guard !request.requestID.isEmpty, request.requestID.count <= 100 else {
      throw ContactPoints.invalid("request_id", "1 to 100 characters")
    }
    let contact = request.contact
    let name = contact.name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !name.isEmpty, name.count <= 200 else {
      throw ContactPoints.invalid("contact.name", "1 to 200 characters")
    }
    let emails = try contact.emails.enumerated().map {
      try ContactPoints.email($0.element, field: "contact.emails[\($0.offset)]")
    }
    let phones = try contact.phones.enumerated().map {
      try ContactPoints.phone(
        $0.element,
        defaultCallingCode: request.defaultCountryCallingCode,
        field: "contact.phones[\($0.offset)]"
      )
    }
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("customers.contact", request, id: \.requestID),
      requestIDConstraints: ["contact_request_id_key"]
    ) {
      session in
      let existing = try await session.query(
        "SELECT \(Self.columns) FROM contact p JOIN customer c ON c.id = p.customer_id "
          + "WHERE p.request_id = $1",
        [request.requestID]
      )
      if let row = existing.first { return try Self.contact(row) }
      let customer = try await session.query(
        "SELECT id, kind FROM customer WHERE number = $1 AND "
          + RecordRules.predicate("owner_id", parameter: 2),
        [contact.customerID, RecordRules.ownerLimit]
      )
      guard let owner = customer.first else {
        throw RPCError(
          code: .notFound,
          message: "contact.customer_id: no customer \(quoted(contact.customerID))"
        )
      }
      guard try owner.decode("kind", as: String.self) == "organisation" else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "contact.customer_id: \(contact.customerID) is an individual, not an organisation"
        )
      }
      let rows = try await session.query(
        """
        WITH new AS (
          INSERT INTO contact (number, request_id, customer_id, name, search_name, title, emails, phones)
          VALUES ('P-' || lpad(nextval('contact_number')::text, 6, '0'), $1, $2, $3, $4, $5,
            $6::text[], $7::text[])
          RETURNING *)
        SELECT p.number, c.number AS customer_number, p.name, p.title, p.emails, p.phones
        FROM new p JOIN customer c ON c.id = p.customer_id
        """,
        [
          request.requestID, try owner.decode("id", as: Int64.self), name, SearchKey.of(name),
          contact.title, emails, phones,
        ]
      )
      return try Self.contact(rows[0])
    }
  }

  static let columns = "p.number, c.number AS customer_number, p.name, p.title, p.emails, p.phones"

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    customer: String
  ) async throws
    -> [Erp_Customers_V1_Contact]
  {
    try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM contact p JOIN customer c ON c.id = p.customer_id "
        + "WHERE c.number = $1 AND \(RecordRules.predicate("c.owner_id", parameter: 2)) "
        + "ORDER BY p.search_name, p.id",
      [customer, RecordRules.ownerLimit]
    ).map(Self.contact)
  }

  static func contact(_ row: PostgresRow) throws -> Erp_Customers_V1_Contact {
    var contact = Erp_Customers_V1_Contact()
    contact.id = try row.decode("number", as: String.self)
    contact.customerID = try row.decode("customer_number", as: String.self)
    contact.name = try row.decode("name", as: String.self)
    contact.title = try row.decode("title", as: String.self)
    contact.emails = try row.decode("emails", as: [String].self)
    contact.phones = try row.decode("phones", as: [String].self)
    return contact
  }
}

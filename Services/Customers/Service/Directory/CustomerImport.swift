import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Bulk import by external id, in batches of 1,000 rows: each row is checked on its own, the
/// good ones are upserted with one statement per batch (unnest of arrays) and their emails and
/// phones with two more, all in one transaction per batch. A batch that still fails (an email
/// taken by a concurrent writer since the check) is retried row by row, so one bad row never
/// holds back the others.
enum CustomerImport {
  static let batchSize = 1_000

  struct Row: Sendable {
    var number: Int64
    var externalID: String
    var checked: CustomerStore.Checked
  }

  static func run(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ rows: RPCAsyncSequence<Erp_Customers_V1_ImportRow, any Error>
  ) async throws -> Erp_Customers_V1_ImportSummary {
    // An import upserts by external id, whoever owns the row it meets: not for a caller that
    // may change only its own customers.
    guard RecordRules.ownerLimit == nil else {
      throw RPCError(
        code: .permissionDenied,
        message: "ImportCustomers: not open to a caller limited to its own records"
      )
    }
    var summary = Erp_Customers_V1_ImportSummary()
    var batch: [Row] = []
    var seen = Set<String>()
    func fail(_ row: Erp_Customers_V1_ImportRow, _ message: String) {
      var error = Erp_Customers_V1_ImportRowError()
      error.rowNumber = row.rowNumber
      error.externalID = row.externalID
      error.message = message
      summary.errors.append(error)
    }
    for try await row in rows {
      summary.received += 1
      guard !row.externalID.isEmpty, row.externalID.count <= 100 else {
        fail(row, "external_id: 1 to 100 characters")
        continue
      }
      guard seen.insert(row.externalID).inserted else {
        fail(row, "external_id: \(quoted(row.externalID)) appears twice in this import")
        continue
      }
      do {
        let checked = try CustomerStore.check(
          row.customer,
          callingCode: row.defaultCountryCallingCode
        )
        batch.append(Row(number: row.rowNumber, externalID: row.externalID, checked: checked))
      } catch let error as RPCError {
        fail(row, error.message)
        continue
      }
      if batch.count == Self.batchSize {
        try await Self.flush(pool, tenant, batch, into: &summary)
        batch.removeAll(keepingCapacity: true)
      }
    }
    if !batch.isEmpty { try await Self.flush(pool, tenant, batch, into: &summary) }
    summary.errors.sort { $0.rowNumber < $1.rowNumber }
    return summary
  }

  static func flush(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ rows: [Row],
    into summary: inout Erp_Customers_V1_ImportSummary
  ) async throws {
    // Emails another customer (not the same external id) already has, or two rows share.
    let emails = rows.flatMap(\.checked.emails)
    let owners = try await pool.tenantQuery(
      tenant,
      """
      SELECT e.email, coalesce(c.external_id, '') AS external_id FROM customer_email e
      JOIN customer c ON c.id = e.customer_id WHERE e.email = ANY($1::text[])
      """,
      [emails]
    )
    var owner: [String: String] = [:]
    for row in owners {
      owner[try row.decode("email", as: String.self)] = try row.decode(
        "external_id",
        as: String.self
      )
    }
    var good: [Row] = []
    for row in rows {
      if let taken = row.checked.emails.first(where: {
        owner[$0].map { $0 != row.externalID } ?? false
      }) {
        var error = Erp_Customers_V1_ImportRowError()
        error.rowNumber = row.number
        error.externalID = row.externalID
        error.message = "customer.emails: \(taken) belongs to another customer"
        summary.errors.append(error)
        continue
      }
      for email in row.checked.emails { owner[email] = row.externalID }
      good.append(row)
    }
    guard !good.isEmpty else { return }
    do {
      let (created, updated) = try await Self.upsert(pool, tenant, good)
      summary.created += created
      summary.updated += updated
    } catch let error as PostgresError where error.sqlState == "23505" && good.count > 1 {
      for row in good { try await Self.flush(pool, tenant, [row], into: &summary) }
    } catch let error as PostgresError where error.sqlState == "23505" {
      var rowError = Erp_Customers_V1_ImportRowError()
      rowError.rowNumber = good[0].number
      rowError.externalID = good[0].externalID
      rowError.message = CustomerStore.duplicate(error).message
      summary.errors.append(rowError)
    }
  }

  /// Queues one `customer.created` event per customer the batch created (an upsert that
  /// updated is not one), read back with its contact points, in the batch's transaction.
  static func announce(_ session: PostgresSession, created ids: [Int64]) async throws {
    guard !ids.isEmpty else { return }
    let rows = try await session.query(
      "SELECT \(CustomerStore.columns) FROM customer c WHERE c.id = ANY($1::bigint[])",
      [ids.map(String.init)]
    )
    for row in rows {
      let customer = try CustomerStore.customer(row)
      try await PartnerEvents.queue(
        session,
        .customerCreated,
        key: "customer:\(customer.id)",
        data: customer
      )
    }
  }

  static func json(_ strings: [String]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: strings), as: UTF8.self)
  }

  static func upsert(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ rows: [Row]
  ) async throws -> (Int64, Int64) {
    try await pool.withTenant(tenant) { session in
      let upserted = try await session.query(
        """
        INSERT INTO customer (number, external_id, kind, name, search_name, tax_number, tags,
          owner_id, stage, address)
        SELECT 'C-' || lpad(nextval('customer_number')::text, 6, '0'), t.external_id, t.kind,
          t.name, t.search_name, t.tax_number,
          ARRAY(SELECT jsonb_array_elements_text(t.tags::jsonb)), t.owner_id, t.stage,
          t.address::jsonb
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
          $7::text[], $8::text[], $9::text[])
          AS t (external_id, kind, name, search_name, tax_number, tags, owner_id, stage, address)
        ON CONFLICT (external_id) WHERE external_id IS NOT NULL DO UPDATE SET
          kind = EXCLUDED.kind, name = EXCLUDED.name, search_name = EXCLUDED.search_name,
          tax_number = EXCLUDED.tax_number, tags = EXCLUDED.tags, owner_id = EXCLUDED.owner_id,
          stage = EXCLUDED.stage, address = EXCLUDED.address
        RETURNING id, external_id, (xmax = 0) AS inserted
        """,
        [
          rows.map(\.externalID), rows.map(\.checked.kind), rows.map(\.checked.name),
          rows.map { SearchKey.of($0.checked.name) }, rows.map(\.checked.taxNumber),
          rows.map { Self.json($0.checked.tags) }, rows.map(\.checked.ownerID),
          rows.map(\.checked.stage), rows.map(\.checked.addressJSON),
        ]
      )
      var ids: [String: Int64] = [:]
      var inserted: [Int64] = []
      for row in upserted {
        let id = try row.decode("id", as: Int64.self)
        ids[try row.decode("external_id", as: String.self)] = id
        if try row.decode("inserted", as: Bool.self) { inserted.append(id) }
      }
      let created = Int64(inserted.count)
      let customerIDs = rows.map { String(ids[$0.externalID]!) }
      var emailOwners: [String] = []
      var emailValues: [String] = []
      var phoneOwners: [String] = []
      var phoneValues: [String] = []
      for (index, row) in rows.enumerated() {
        for email in row.checked.emails {
          emailOwners.append(customerIDs[index])
          emailValues.append(email)
        }
        for phone in row.checked.phones {
          phoneOwners.append(customerIDs[index])
          phoneValues.append(phone)
        }
      }
      try await session.pipeline([
        PostgresStatement(
          "DELETE FROM customer_email WHERE customer_id = ANY($1::bigint[])",
          [customerIDs]
        ),
        PostgresStatement(
          "DELETE FROM customer_phone WHERE customer_id = ANY($1::bigint[])",
          [customerIDs]
        ),
        PostgresStatement(
          "INSERT INTO customer_email (customer_id, email) SELECT * FROM unnest($1::bigint[], $2::text[])",
          [emailOwners, emailValues]
        ),
        PostgresStatement(
          "INSERT INTO customer_phone (customer_id, phone) SELECT * FROM unnest($1::bigint[], $2::text[])",
          [phoneOwners, phoneValues]
        ),
      ])
      try await Self.announce(session, created: inserted)
      return (created, Int64(rows.count) - created)
    }
  }
}

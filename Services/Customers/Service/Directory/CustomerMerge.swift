import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Merging two records of one customer: everything the duplicate has moves to the survivor in
/// one transaction, and the duplicate stays, archived, pointing at the survivor.
enum CustomerMerge {
  static func merge(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Customers_V1_MergeCustomersRequest
  )
    async throws -> Erp_Customers_V1_Customer
  {
    guard request.survivorID != request.duplicateID else {
      throw ContactPoints.invalid("duplicate_id", "must differ from survivor_id")
    }
    return try await pool.withTenant(tenant) { session in
      // Both rows locked in id order, so two merges of the same pair cannot deadlock.
      let rows = try await session.query(
        """
        SELECT id, number, merged_into FROM customer
        WHERE number = ANY($1::text[]) AND \(RecordRules.predicate("owner_id", parameter: 2))
        ORDER BY id FOR UPDATE
        """,
        [[request.survivorID, request.duplicateID], RecordRules.ownerLimit]
      )
      func row(_ number: String, _ field: String) throws -> PostgresRow {
        guard
          let found = try rows.first(where: { try $0.decode("number", as: String.self) == number })
        else {
          throw RPCError(code: .notFound, message: "\(field): no customer \(quoted(number))")
        }
        return found
      }
      let survivor = try row(request.survivorID, "survivor_id")
      let duplicate = try row(request.duplicateID, "duplicate_id")
      let survivorID = try survivor.decode("id", as: Int64.self)
      let duplicateID = try duplicate.decode("id", as: Int64.self)
      if let target = try duplicate.decodeIfPresent("merged_into", as: Int64.self) {
        guard target == survivorID else {
          throw RPCError(
            code: .failedPrecondition,
            message: "duplicate_id: \(request.duplicateID) was already merged into another customer"
          )
        }
        return try await CustomerStore.read(session, id: survivorID)  // a repeat
      }
      guard try survivor.decodeIfPresent("merged_into", as: Int64.self) == nil else {
        throw RPCError(
          code: .failedPrecondition,
          message: "survivor_id: \(request.survivorID) was itself merged away"
        )
      }
      let moves = [
        "UPDATE customer_email SET customer_id = $1 WHERE customer_id = $2",
        """
        DELETE FROM customer_phone d WHERE d.customer_id = $2
          AND EXISTS (SELECT 1 FROM customer_phone s WHERE s.customer_id = $1 AND s.phone = d.phone)
        """,
        "UPDATE customer_phone SET customer_id = $1 WHERE customer_id = $2",
        "UPDATE contact SET customer_id = $1 WHERE customer_id = $2",
        "UPDATE interaction SET customer_id = $1 WHERE customer_id = $2",
        "UPDATE business_event SET customer_id = $1 WHERE customer_id = $2",
        "UPDATE opportunity SET customer_id = $1 WHERE customer_id = $2",
        """
        UPDATE customer s SET tags = ARRAY(SELECT DISTINCT unnest(s.tags || d.tags) ORDER BY 1)
        FROM customer d WHERE s.id = $1 AND d.id = $2
        """,
        "UPDATE customer SET archived = true, merged_into = $1, external_id = NULL WHERE id = $2",
      ]
      try await session.pipeline(moves.map { PostgresStatement($0, [survivorID, duplicateID]) })
      let merged = try await CustomerStore.read(session, id: survivorID)
      try await PartnerEvents.queue(
        session,
        .customerMerged,
        key: "customer:\(request.duplicateID):merged",
        data: merged
      )
      return merged
    }
  }
}

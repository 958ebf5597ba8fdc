import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore
import SwiftProtobuf

/// One page of a tenant's audit trail, newest first: the filters of a `SearchAudit` request,
/// checked, and keyset paging on the row id (the token is the last id of the page, so a page
/// stays put while calls keep being recorded).
struct AuditSearch: Sendable {
  static let maxActorBytes = 100
  static let maxMethodBytes = 200

  var actor: String
  var from: Date?
  var to: Date?
  /// A method, or a service when it ends with "/".
  var method: String
  var writesOnly: Bool
  var before: Int64?
  var size: Int

  init(_ request: Erp_Gateway_V1_SearchAuditRequest) throws {
    guard request.actor.utf8.count <= Self.maxActorBytes else {
      throw RPCError(code: .invalidArgument, message: "actor: at most 100 bytes")
    }
    guard request.method.utf8.count <= Self.maxMethodBytes else {
      throw RPCError(code: .invalidArgument, message: "method: at most 200 bytes")
    }
    self.actor = request.actor
    self.method = request.method
    self.from = request.hasFrom ? request.from.date : nil
    self.to = request.hasTo ? request.to.date : nil
    if let from = self.from, let to = self.to, to < from {
      throw RPCError(code: .invalidArgument, message: "to: before from")
    }
    self.writesOnly = request.writesOnly
    self.size = try RecordHistory.pageSize(request.page.pageSize)
    self.before = try RecordHistory.pageToken(request.page.pageToken)
  }

  func run(
    _ pool: ConnectionPool,
    tenant: TenantID
  ) async throws
    -> Erp_Gateway_V1_SearchAuditResponse
  {
    let service = self.method.hasSuffix("/")
    let rows = try await pool.withSession { session in
      try await session.query(
        """
        SELECT id, extract(epoch FROM at)::float8::text AS at, key_id, method, record_id, code,
          request_id, source_address, milliseconds, read_only
        FROM gateway.audit
        WHERE tenant_id = $1
          AND ($2 = '' OR key_id = $2)
          AND ($3 = '' OR ($4 AND starts_with(method, $3)) OR (NOT $4 AND method = $3))
          AND ($5::float8 IS NULL OR at >= to_timestamp($5::float8))
          AND ($6::float8 IS NULL OR at < to_timestamp($6::float8))
          AND (NOT $7 OR NOT read_only)
          AND ($8::bigint IS NULL OR id < $8::bigint)
        ORDER BY id DESC
        LIMIT $9
        """,
        [
          tenant.slug, self.actor, self.method, service,
          self.from.map { String($0.timeIntervalSince1970) },
          self.to.map { String($0.timeIntervalSince1970) }, self.writesOnly, self.before,
          self.size + 1,
        ]
      )
    }
    var response = Erp_Gateway_V1_SearchAuditResponse()
    response.entries = try rows.prefix(self.size).map(Self.entry)
    if rows.count > self.size, let last = response.entries.last {
      response.page.nextPageToken = String(last.id)
    }
    return response
  }

  static func entry(_ row: PostgresRow) throws -> Erp_Gateway_V1_AuditEntry {
    var entry = Erp_Gateway_V1_AuditEntry()
    entry.id = try row.decode("id", as: Int64.self)
    let seconds = Double(try row.decode("at", as: String.self)) ?? 0
    entry.at = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: seconds))
    entry.actor = try row.decode("key_id", as: String.self)
    entry.method = try row.decode("method", as: String.self)
    entry.recordID = try row.decode("record_id", as: String.self)
    entry.code = try row.decode("code", as: String.self)
    entry.requestID = try row.decode("request_id", as: String.self)
    entry.sourceAddress = try row.decode("source_address", as: String.self)
    entry.milliseconds = try row.decode("milliseconds", as: Int32.self)
    entry.readOnly = try row.decode("read_only", as: Bool.self)
    return entry
  }
}

public import ERPProtos
public import ERPStore
import Foundation
public import GRPCCore
import SwiftProtobuf

/// The `erp.common.v1.RecordHistory` contract, served by every service whose migrations hold the
/// history table (``ServiceRunner`` registers it beside `TenantAdmin`): one record's rows,
/// oldest first, in the calling tenant. Keyset paging on the row's sequence.
public struct RecordHistoryService: Erp_Common_V1_RecordHistory.SimpleServiceProtocol {
  public let pool: ConnectionPool

  public init(pool: ConnectionPool) { self.pool = pool }

  public func listHistory(
    request: Erp_Common_V1_ListHistoryRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_ListHistoryResponse {
    try RecordHistory.check(type: request.recordType, id: request.recordID)
    let size = try RecordHistory.pageSize(request.page.pageSize)
    let after = try RecordHistory.pageToken(request.page.pageToken) ?? 0
    return try await inCallingTenant { tenant in
      let rows = try await self.pool.tenantQuery(
        tenant,
        """
        SELECT sequence, record_type, record_id,
          extract(epoch FROM at)::float8::text AS at, caller_id, method, request_id, event,
          changes::text AS changes
        FROM record_history
        WHERE record_type = $1 AND record_id = $2 AND sequence > $3
        ORDER BY sequence
        LIMIT $4
        """,
        [request.recordType, request.recordID, after, size + 1]
      )
      var response = Erp_Common_V1_ListHistoryResponse()
      response.entries = try rows.prefix(size).map(RecordHistory.entry)
      if rows.count > size, let last = response.entries.last {
        response.page.nextPageToken = String(last.sequence)
      }
      return response
    }
  }
}

extension RecordHistory {
  /// INVALID_ARGUMENT unless `type` is a record type and `id` an id (1 to 100 bytes).
  public static func check(type: String, id: String) throws {
    guard Self.owners[type] != nil else {
      throw RPCError(
        code: .invalidArgument,
        message: "record_type: one of \(Self.owners.keys.sorted().joined(separator: ", "))"
      )
    }
    guard !id.isEmpty, id.utf8.count <= 100 else {
      throw RPCError(code: .invalidArgument, message: "record_id: 1 to 100 bytes")
    }
  }

  /// A page's size: the default 100 for 0, at most 1,000.
  public static func pageSize(_ requested: Int32) throws -> Int {
    guard requested >= 0 else {
      throw RPCError(code: .invalidArgument, message: "page.page_size must not be negative")
    }
    return requested == 0 ? 100 : min(Int(requested), 1000)
  }

  /// A keyset page token (the last row id of the previous page); nil for the first page.
  public static func pageToken(_ token: String) throws -> Int64? {
    if token.isEmpty { return nil }
    guard let id = Int64(token), id > 0 else {
      throw RPCError(code: .invalidArgument, message: "page.page_token: not a token of this list")
    }
    return id
  }

  static func entry(_ row: PostgresRow) throws -> Erp_Common_V1_HistoryEntry {
    var entry = Erp_Common_V1_HistoryEntry()
    entry.sequence = try row.decode("sequence", as: Int64.self)
    entry.recordType = try row.decode("record_type", as: String.self)
    entry.recordID = try row.decode("record_id", as: String.self)
    let seconds = Double(try row.decode("at", as: String.self)) ?? 0
    entry.at = Google_Protobuf_Timestamp(date: Date(timeIntervalSince1970: seconds))
    entry.callerID = try row.decode("caller_id", as: String.self)
    entry.method = try row.decode("method", as: String.self)
    entry.requestID = try row.decode("request_id", as: String.self)
    entry.event = try row.decode("event", as: String.self)
    let changes = try row.decode("changes", as: String.self)
    let object =
      (try JSONSerialization.jsonObject(with: Data(changes.utf8)) as? [String: [String: Any]])
      ?? [:]
    entry.changes = try object.keys.sorted().map { field in
      var change = Erp_Common_V1_FieldChange()
      change.field = field
      change.beforeJson = try Self.json(object[field]?["before"])
      change.afterJson = try Self.json(object[field]?["after"])
      return change
    }
    return entry
  }

  private static func json(_ value: Any?) throws -> String {
    guard let value, !(value is NSNull) else { return "null" }
    let data = try JSONSerialization.data(
      withJSONObject: value,
      options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]
    )
    return String(decoding: data, as: UTF8.self)
  }
}

extension RecordHistoryService {
  /// The service, for a definition whose migrations make the history table; none otherwise
  /// (the gateway).
  static func served(
    by definition: ServiceDefinition,
    pool: ConnectionPool
  ) -> [any RegistrableRPCService] {
    definition.migrations.contains { $0.name == RecordHistory.migrationName }
      ? [RecordHistoryService(pool: pool)] : []
  }
}

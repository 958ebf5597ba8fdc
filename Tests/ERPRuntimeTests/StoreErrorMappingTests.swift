import ERPStore
import GRPCCore
import Testing

@testable import ERPRuntime

/// The one mapping of store errors to statuses: the codes and messages callers saw when the
/// store threw RPC errors itself, kept.
@Suite("Store errors become the statuses callers see")
struct StoreErrorMappingTests {
  struct StoreRow: Sendable, CustomTestStringConvertible {
    var kind: StoreError.Kind
    var code: RPCError.Code
    var testDescription: String { "\(self.kind)" }
  }

  @Test(
    "every store error kind has its code, and its message passes through",
    arguments: [
      StoreRow(kind: .poolShutDown, code: .unavailable),
      StoreRow(kind: .acquireTimeout, code: .unavailable),
      StoreRow(kind: .databaseUnavailable, code: .unavailable),
      StoreRow(kind: .cancelled, code: .cancelled),
      StoreRow(kind: .deadlinePassed, code: .deadlineExceeded),
      StoreRow(kind: .conflictsExhausted, code: .aborted),
      StoreRow(kind: .invalidTenantID, code: .invalidArgument),
      StoreRow(kind: .tenantNotProvisioned, code: .notFound),
      StoreRow(kind: .confirmationRequired, code: .failedPrecondition),
    ]
  )
  func storeErrors(row: StoreRow) throws {
    let error = StoreError(row.kind, "what happened")
    let status = try #require(StoreErrorMapping.rpcError(for: error))
    #expect(status.code == row.code)
    #expect(status.message == "what happened")
    // GRPCCore's own conversion, for an error that escapes a handler unmapped, agrees.
    #expect(RPCError(error).code == row.code)
  }

  struct ServerRow: Sendable, CustomTestStringConvertible {
    var kind: PostgresError.Kind
    var sqlState: String?
    var code: RPCError.Code
    var message: String
    var testDescription: String { "\(self.kind) \(self.sqlState ?? "-")" }

    init(
      _ kind: PostgresError.Kind,
      _ sqlState: String?,
      _ code: RPCError.Code,
      _ message: String
    ) {
      (self.kind, self.sqlState, self.code, self.message) = (kind, sqlState, code, message)
    }
  }

  static let unavailable = "the database is unavailable; retry later"
  static let rule = "violates a data rule"
  static let conflict = "conflicting concurrent update; retry"
  static let internalError = "internal database error"
  static let late = "the database work ran past the call's deadline"

  @Test(
    "server errors map by SQLSTATE to fixed messages, without SQL, constraint or address",
    arguments: [
      ServerRow(.connection, nil, .unavailable, unavailable),
      ServerRow(.server, "23505", .alreadyExists, "already exists"),
      ServerRow(.server, "23503", .failedPrecondition, rule),
      ServerRow(.server, "23514", .failedPrecondition, rule),
      ServerRow(.server, "23502", .failedPrecondition, rule),
      ServerRow(.server, "23P01", .failedPrecondition, rule),
      ServerRow(.server, "22021", .invalidArgument, "a text value contains a NUL byte"),
      ServerRow(.server, "40001", .aborted, conflict),
      ServerRow(.server, "40P01", .aborted, conflict),
      ServerRow(.server, "42501", .permissionDenied, "permission denied"),
      ServerRow(.server, "57014", .deadlineExceeded, late),
      ServerRow(.server, "08006", .unavailable, unavailable),
      ServerRow(.server, "57P01", .unavailable, unavailable),
      ServerRow(.server, "42P01", .internalError, internalError),
      ServerRow(.decoding, nil, .internalError, internalError),
    ]
  )
  func serverErrors(row: ServerRow) throws {
    let error = PostgresError(
      kind: row.kind,
      sqlState: row.sqlState,
      message: "INSERT INTO items VALUES ('A') violates items_sku_key at 10.0.0.7:5432",
      detail: "Key (sku)=(A) already exists.",
      constraint: "items_sku_key"
    )
    let status = try #require(StoreErrorMapping.rpcError(for: error))
    #expect(status.code == row.code)
    #expect(status.message == row.message)
    #expect(error.rpcError.code == row.code)
  }

  @Test("mappingStoreErrors maps store errors and passes every other error through")
  func handlerFrame() async throws {
    let mapped = await #expect(throws: RPCError.self) {
      try await mappingStoreErrors { throw StoreError(.tenantNotProvisioned, "tenant x") }
    }
    #expect(mapped?.code == .notFound)
    #expect(mapped?.message == "tenant x")
    let server = await #expect(throws: RPCError.self) {
      try await mappingStoreErrors {
        throw PostgresError(kind: .server, sqlState: "23505", message: "dup")
      }
    }
    #expect(server?.code == .alreadyExists)
    #expect(StoreErrorMapping.rpcError(for: CancellationError()) == nil)
    await #expect(throws: CancellationError.self) {
      try await mappingStoreErrors { throw CancellationError() }
    }
    let own = await #expect(throws: RPCError.self) {
      try await mappingStoreErrors { throw RPCError(code: .outOfRange, message: "mine") }
    }
    #expect(own?.code == .outOfRange)
  }
}

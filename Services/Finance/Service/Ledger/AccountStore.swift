import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The chart of accounts of one tenant.
enum AccountStore {
  static let columns = """
    a.code, a.name, a.type, coalesce(p.code, '') AS parent_code, coalesce(a.role, '') AS role,
    a.active FROM account a LEFT JOIN account p ON p.id = a.parent_id
    """

  static func account(_ row: PostgresRow) throws -> Erp_Finance_V1_Account {
    var account = Erp_Finance_V1_Account()
    account.code = try row.decode("code", as: String.self)
    account.name = try row.decode("name", as: String.self)
    account.type = LedgerValues.accountType(try row.decode("type", as: String.self))
    account.parentCode = try row.decode("parent_code", as: String.self)
    account.role = try row.decode("role", as: String.self)
    account.active = try row.decode("active", as: Bool.self)
    return account
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    includeInactive: Bool
  ) async throws
    -> [Erp_Finance_V1_Account]
  {
    try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) WHERE $1 OR a.active ORDER BY a.code",
      [includeInactive]
    ).map(Self.account)
  }

  static func find(_ session: PostgresSession, code: String) async throws -> Erp_Finance_V1_Account
  {
    let rows = try await session.query("SELECT \(Self.columns) WHERE a.code = $1", [code])
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "code: no account \(quoted(code))")
    }
    return try Self.account(row)
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_CreateAccountRequest
  ) async throws -> Erp_Finance_V1_Account {
    let code = try Self.code(request.code)
    let name = try LedgerValues.text(request.name, field: "name", maxLength: 200, required: true)
    let type = try LedgerValues.accountType(request.type, field: "type")
    let key = try RequestKey("finance.account", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      var parentID: Int64?
      if !request.parentCode.isEmpty {
        let parent = try await session.query(
          "SELECT id, type FROM account WHERE code = $1",
          [request.parentCode]
        )
        guard let row = parent.first else {
          throw LedgerValues.invalid("parent_code", "no account \(quoted(request.parentCode))")
        }
        guard try row.decode("type", as: String.self) == type else {
          throw LedgerValues.invalid("parent_code", "the parent must be of the same type (\(type))")
        }
        parentID = try row.decode("id", as: Int64.self)
      }
      do {
        try await session.query(
          "INSERT INTO account (code, name, type, parent_id) VALUES ($1, $2, $3, $4)",
          [code, name, type, parentID]
        )
      } catch let error as PostgresError where error.sqlState == "23505" {
        throw RPCError(
          code: .alreadyExists,
          message: "code: account \(quoted(code)) already exists"
        )
      }
      return try await Self.find(session, code: code)
    }
  }

  static func rename(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    code: String,
    name: String
  )
    async throws -> Erp_Finance_V1_Account
  {
    let name = try LedgerValues.text(name, field: "name", maxLength: 200, required: true)
    return try await pool.withTenant(tenant) { session in
      try await session.query("UPDATE account SET name = $2 WHERE code = $1", [code, name])
      return try await Self.find(session, code: code)
    }
  }

  /// Accounts other services post to by role stay active: deactivating one would stop invoicing,
  /// receipts or payroll.
  static func deactivate(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    code: String
  ) async throws
    -> Erp_Finance_V1_Account
  {
    try await pool.withTenant(tenant) { session in
      let account = try await Self.find(session, code: code)
      guard account.role.isEmpty else {
        throw RPCError(
          code: .failedPrecondition,
          message: "code: account \(code) is the \(account.role) account and stays active"
        )
      }
      try await session.query("UPDATE account SET active = false WHERE code = $1", [code])
      return try await Self.find(session, code: code)
    }
  }

  static func code(_ raw: String) throws -> String {
    guard !raw.isEmpty, raw.count <= 20,
      raw.unicodeScalars.allSatisfy({
        ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
          || $0 == "." || $0 == "-"
      })
    else {
      throw LedgerValues.invalid("code", "1 to 20 characters of 0-9, A-Z, a-z, '.' and '-'")
    }
    return raw
  }
}

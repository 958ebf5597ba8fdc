import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Bank accounts: an asset account of the chart with its IBAN and currency.
enum BankAccounts {
  /// A bank account as the other banking calls use it, locked when asked so that matching on
  /// one account is serialised (no two calls pick the same free line).
  struct Row: Sendable {
    var id: Int64
    var accountID: Int64
    var code: String
    var currency: Currency
    var iban: String
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_CreateBankAccountRequest
  ) async throws -> Erp_Finance_V1_BankAccount {
    let code = try LedgerValues.text(
      request.accountCode,
      field: "account_code",
      maxLength: 20,
      required: true
    )
    let name = try LedgerValues.text(request.name, field: "name", maxLength: 200, required: true)
    let iban = try IBAN.checked(request.iban)
    let currency = try LedgerValues.currency(request.currencyCode, field: "currency_code")
    let key = try RequestKey("finance.bank_account", request, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      let accounts = try await session.query(
        """
        SELECT a.id, a.type, a.active, b.id AS bank FROM account a
        LEFT JOIN bank_account b ON b.account_id = a.id WHERE a.code = $1
        """,
        [code]
      )
      guard let account = accounts.first else {
        throw LedgerValues.invalid("account_code", "no account \(quoted(code))")
      }
      guard try account.decode("type", as: String.self) == "asset",
        try account.decode("active", as: Bool.self)
      else {
        throw RPCError(
          code: .failedPrecondition,
          message: "account_code: \(code) is not an active asset account"
        )
      }
      guard try account.decodeIfPresent("bank", as: Int64.self) == nil else {
        throw RPCError(code: .alreadyExists, message: "account_code: \(code) is a bank account")
      }
      guard try await session.query("SELECT 1 FROM bank_account WHERE iban = $1", [iban]).isEmpty
      else {
        throw RPCError(code: .alreadyExists, message: "iban: another bank account has it")
      }
      try await session.query(
        "INSERT INTO bank_account (account_id, name, iban, currency) VALUES ($1, $2, $3, $4)",
        [try account.decode("id", as: Int64.self), name, iban, currency.code]
      )
      var answer = Erp_Finance_V1_BankAccount()
      answer.accountCode = code
      answer.name = name
      answer.iban = iban
      answer.currencyCode = currency.code
      return answer
    }
  }

  static func list(_ session: PostgresSession) async throws -> [Erp_Finance_V1_BankAccount] {
    try await session.query(
      """
      SELECT a.code, b.name, b.iban, b.currency FROM bank_account b
      JOIN account a ON a.id = b.account_id ORDER BY a.code
      """
    ).map { row in
      var account = Erp_Finance_V1_BankAccount()
      account.accountCode = try row.decode("code", as: String.self)
      account.name = try row.decode("name", as: String.self)
      account.iban = try row.decode("iban", as: String.self)
      account.currencyCode = try row.decode("currency", as: String.self)
      return account
    }
  }

  /// The bank account on ledger account `code`; NOT_FOUND naming `field` otherwise.
  static func row(
    _ session: PostgresSession,
    code: String,
    field: String = "account_code",
    lock: Bool = false
  ) async throws -> Row {
    let rows = try await session.query(
      """
      SELECT b.id, b.account_id, b.currency, b.iban FROM bank_account b
      JOIN account a ON a.id = b.account_id WHERE a.code = $1
      """ + (lock ? " FOR UPDATE OF b" : ""),
      [code]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no bank account on \(quoted(code))")
    }
    return Row(
      id: try row.decode("id", as: Int64.self),
      accountID: try row.decode("account_id", as: Int64.self),
      code: code,
      currency: Currency(code: try row.decode("currency", as: String.self))!,
      iban: try row.decode("iban", as: String.self)
    )
  }

  /// The bank account, locked, that row `id` of `table` (a match or a statement line: a name
  /// from this file, never from a request) belongs to; NOT_FOUND naming `field` otherwise.
  static func owning(
    _ session: PostgresSession,
    _ table: String,
    _ id: Int64,
    field: String,
    what: String
  ) async throws -> Row {
    let rows = try await session.query(
      "SELECT a.code FROM \(table) t JOIN bank_account b ON b.id = t.bank_account_id "
        + "JOIN account a ON a.id = b.account_id WHERE t.id = $1",
      [id]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "\(field): no \(what) \(id)")
    }
    return try await Self.row(session, code: try row.decode("code", as: String.self), lock: true)
  }
}

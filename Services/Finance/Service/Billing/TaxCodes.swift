import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Tax codes and their rates (standard, reduced, zero-rated, exempt).
enum TaxCodes {
  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> [Erp_Finance_V1_TaxCode] {
    try await pool.tenantQuery(
      tenant,
      "SELECT code, name, kind, rate_basis_points FROM tax_code ORDER BY code"
    ).map(Self.taxCode)
  }

  static func taxCode(_ row: PostgresRow) throws -> Erp_Finance_V1_TaxCode {
    var code = Erp_Finance_V1_TaxCode()
    code.code = try row.decode("code", as: String.self)
    code.name = try row.decode("name", as: String.self)
    let kind = try row.decode("kind", as: String.self)
    code.kind = BillingValues.taxKinds.first { $0.1 == kind }?.0 ?? .unspecified
    code.rateBasisPoints = Int32(try row.decode("rate_basis_points", as: Int.self))
    return code
  }

  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_TaxCode
  )
    async throws -> Erp_Finance_V1_TaxCode
  {
    guard !request.code.isEmpty, request.code.count <= 20,
      request.code.unicodeScalars.allSatisfy({
        ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
      })
    else {
      throw LedgerValues.invalid("code", "1 to 20 characters of A-Z, 0-9, '_' and '-'")
    }
    let name = try LedgerValues.text(request.name, field: "name", maxLength: 200, required: true)
    guard let kind = BillingValues.taxKinds.first(where: { $0.0 == request.kind })?.1 else {
      throw LedgerValues.invalid("kind", "STANDARD, REDUCED, ZERO_RATED or EXEMPT is required")
    }
    guard (0...10000).contains(request.rateBasisPoints) else {
      throw LedgerValues.invalid("rate_basis_points", "0 to 10000 (hundredths of a percent)")
    }
    guard kind == "standard" || kind == "reduced" || request.rateBasisPoints == 0 else {
      throw LedgerValues.invalid("rate_basis_points", "must be 0 for a \(kind) code")
    }
    let key = try RequestKey("finance.tax_code", request, id: \.requestID)
    do {
      return try await answeringOnce(pool, tenant, key) { session in
        try await session.query(
          """
          INSERT INTO tax_code (code, name, kind, rate_basis_points) VALUES ($1, $2, $3, $4)
          RETURNING code, name, kind, rate_basis_points
          """,
          [request.code, name, kind, Int(request.rateBasisPoints)]
        ).map(Self.taxCode)[0]
      }
    } catch let error as PostgresError where error.sqlState == "23505" {
      throw RPCError(
        code: .alreadyExists,
        message: "code: tax code \(quoted(request.code)) already exists"
      )
    }
  }

  /// Rates of the codes named, or INVALID_ARGUMENT naming the first unknown one.
  static func rates(
    _ session: PostgresSession,
    _ codes: [(field: String, code: String)]
  )
    async throws -> [String: Int]
  {
    let rows = try await session.query(
      "SELECT code, rate_basis_points FROM tax_code WHERE code = ANY($1::text[])",
      [Array(Set(codes.map(\.code)))]
    )
    var rates: [String: Int] = [:]
    for row in rows {
      rates[try row.decode("code", as: String.self)] = try row.decode(
        "rate_basis_points",
        as: Int.self
      )
    }
    for (field, code) in codes where rates[code] == nil {
      throw LedgerValues.invalid(field, "no tax code \(quoted(code))")
    }
    return rates
  }
}

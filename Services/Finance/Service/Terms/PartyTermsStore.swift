import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Each party's payment terms and credit limit, and the tenant's default terms per direction
/// (the row with an empty party id). Finance keeps them, not the customer or supplier master:
/// the terms decide due dates and the limit is weighed against receivables, both facts of the
/// books, and sales' credit check then needs one call (``CreditExposure``) for the limit and
/// what is owed, read together.
enum PartyTermsStore {
  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_GetPartyTermsRequest
  ) async throws -> Erp_Finance_V1_PartyTerms {
    let direction = try BillingValues.direction(request.direction)
    let party = try Self.partyID(request.partyID)
    return try await pool.withTenant(tenant) { session in
      try await Self.read(session, direction: direction, party: party)
    }
  }

  /// Replaces the party's terms (or the default's, for an empty party id).
  static func set(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_PartyTerms
  ) async throws -> Erp_Finance_V1_PartyTerms {
    let direction = try BillingValues.direction(request.direction)
    let party = try Self.partyID(request.partyID)
    let terms = try PaymentTerms.parse(request.termsCode, field: "terms_code")
    let limit: Int64? = request.hasCreditLimit ? request.creditLimit.unitsMinor : nil
    if request.hasCreditLimit {
      guard direction == "receivable", !party.isEmpty else {
        throw LedgerValues.invalid("credit_limit", "only a customer (RECEIVABLE, party_id) has one")
      }
      guard request.creditLimit.unitsMinor >= 0 else {
        throw LedgerValues.invalid("credit_limit.units_minor", "must not be negative")
      }
    }
    return try await pool.withTenant(tenant) { session in
      if request.hasCreditLimit {
        let base = try await LedgerSettingsStore.baseCurrency(session)
        guard request.creditLimit.currencyCode == base.code else {
          throw LedgerValues.invalid(
            "credit_limit.currency_code",
            "must be the base currency \(base.code)"
          )
        }
      }
      try await session.query(
        """
        INSERT INTO party_terms (direction, party_id, terms_code, credit_limit_minor)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (direction, party_id) DO UPDATE
        SET terms_code = EXCLUDED.terms_code, credit_limit_minor = EXCLUDED.credit_limit_minor
        """,
        [direction, party, terms.description, limit]
      )
      return try await Self.read(session, direction: direction, party: party)
    }
  }

  /// The terms an invoice or bill of `party` is issued under: its own, or the default.
  static func terms(
    _ session: PostgresSession,
    direction: String,
    party: String
  ) async throws -> PaymentTerms {
    let terms = try await Self.read(session, direction: direction, party: party)
    return PaymentTerms(code: terms.termsCode) ?? PaymentTerms(code: PaymentTerms.defaultCode)!
  }

  /// The party's row, or the default's with `own_terms` false (the limit is the party's only).
  static func read(
    _ session: PostgresSession,
    direction: String,
    party: String
  ) async throws -> Erp_Finance_V1_PartyTerms {
    let rows = try await session.query(
      """
      SELECT party_id, terms_code, credit_limit_minor FROM party_terms
      WHERE direction = $1 AND party_id IN ($2, '') ORDER BY party_id DESC LIMIT 1
      """,
      [direction, party]
    )
    var terms = Erp_Finance_V1_PartyTerms()
    terms.direction = BillingValues.direction(direction)
    terms.partyID = party
    terms.termsCode =
      try rows.first?.decode("terms_code", as: String.self)
      ?? PaymentTerms.defaultCode
    let own = try rows.first?.decode("party_id", as: String.self) == party && !party.isEmpty
    terms.ownTerms = own
    if own, let limit = try rows.first?.decodeIfPresent("credit_limit_minor", as: Int64.self) {
      terms.creditLimit = Erp_Common_V1_Money(
        limit,
        try await LedgerSettingsStore.baseCurrency(session).code
      )
    }
    return terms
  }

  /// A party id, or empty for the tenant default.
  private static func partyID(_ raw: String) throws -> String {
    raw.isEmpty ? "" : try BillingValues.partyID(raw)
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// What a customer owes in base currency, with its credit limit, for sales' credit check:
/// outstanding invoices less unallocated payments and credit notes (the documents as the aged
/// balances read them, undated), plus the caller's pending amounts; a foreign currency is
/// converted at the latest rate on or before today (the exposure is a present figure, not the
/// books' historical one). One read transaction, so the limit and the balance agree.
enum CreditExposure {
  static let maxPending = 20

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_GetCreditExposureRequest
  ) async throws -> Erp_Finance_V1_CreditExposure {
    let party = try BillingValues.partyID(request.partyID)
    guard request.pending.count <= Self.maxPending else {
      throw LedgerValues.invalid("pending", "at most \(Self.maxPending) amounts")
    }
    var pending: [(Currency, Int64)] = []
    for (index, money) in request.pending.enumerated() {
      let currency = try LedgerValues.currency(
        money.currencyCode,
        field: "pending[\(index)].currency_code"
      )
      guard money.unitsMinor >= 0 else {
        throw LedgerValues.invalid("pending[\(index)].units_minor", "must not be negative")
      }
      pending.append((currency, money.unitsMinor))
    }
    return try await pool.withTenant(tenant) { session in
      let base = try await LedgerSettingsStore.baseCurrency(session)
      let terms = try await PartyTermsStore.read(session, direction: "receivable", party: party)
      let rows = try await session.query(
        """
        WITH open_items AS (
          SELECT i.currency, i.total_minor
            - coalesce((SELECT sum(a.amount_minor) FROM allocation a WHERE a.invoice_id = i.id), 0)
            AS amount
          FROM invoice i
          WHERE i.direction = 'receivable' AND NOT i.is_credit_note AND i.party_id = $1
          UNION ALL
          SELECT p.currency, -(p.amount_minor
            - coalesce((SELECT sum(amount_minor) FROM allocation WHERE payment_id = p.id), 0)
            - coalesce((SELECT sum(amount_minor) FROM refund WHERE payment_id = p.id), 0))
          FROM payment p WHERE p.direction = 'receivable' AND p.party_id = $1
          UNION ALL
          SELECT c.currency, -(c.total_minor
            - coalesce((SELECT sum(amount_minor) FROM allocation WHERE credit_note_id = c.id), 0))
          FROM invoice c
          WHERE c.direction = 'receivable' AND c.is_credit_note AND c.party_id = $1)
        SELECT currency, sum(amount)::bigint AS amount FROM open_items GROUP BY currency
        """,
        [party]
      )
      var receivables: Int64 = 0
      for row in rows {
        let code = try row.decode("currency", as: String.self)
        guard let currency = Currency(code: code) else { continue }
        receivables += try await Self.base(session, row.decode("amount"), currency, base)
      }
      var pendingBase: Int64 = 0
      for (currency, amount) in pending {
        pendingBase += try await Self.base(session, amount, currency, base)
      }
      var answer = Erp_Finance_V1_CreditExposure()
      answer.baseCurrency = base.code
      if terms.hasCreditLimit { answer.creditLimit = terms.creditLimit }
      answer.receivables = Erp_Common_V1_Money(receivables, base.code)
      answer.pending = Erp_Common_V1_Money(pendingBase, base.code)
      answer.exposure = Erp_Common_V1_Money(receivables + pendingBase, base.code)
      return answer
    }
  }

  /// `amount` of `currency` in base currency at the latest rate.
  private static func base(
    _ session: PostgresSession,
    _ amount: Int64,
    _ currency: Currency,
    _ base: Currency
  ) async throws -> Int64 {
    guard currency != base else { return amount }
    guard
      let rate = try await LedgerSettingsStore.rate(
        session,
        currency: currency,
        on: CalendarDate.today()
      ),
      let converted = rate.convert(amount, from: currency, to: base)
    else {
      throw RPCError(
        code: .failedPrecondition,
        message: "no exchange rate for \(currency.code) to \(base.code) on or before today"
      )
    }
    return converted
  }
}

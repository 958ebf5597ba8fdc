import ERPProtos
import ERPStore
import GRPCCore

/// Aged balances, party statements and the VAT return, read from the documents.
enum BillingReports {
  /// Outstanding invoices by days past due as of a date (not yet due counts in 0–30), per
  /// party and currency; unallocated payments and credit notes count as negative in 0–30.
  static func aged(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_AgedBalancesRequest
  )
    async throws -> Erp_Finance_V1_AgedBalancesResponse
  {
    let direction = try BillingValues.direction(request.direction)
    let asOf = try LedgerValues.date(request.asOf, field: "as_of")
    let rows = try await pool.tenantQuery(
      tenant,
      """
      WITH settled AS (
        SELECT a.invoice_id, sum(a.amount_minor) AS amount FROM allocation a
        LEFT JOIN payment p ON p.id = a.payment_id
        LEFT JOIN invoice c ON c.id = a.credit_note_id
        WHERE coalesce(p.payment_date, c.issue_date) <= $2
        GROUP BY a.invoice_id),
      open_items AS (
        SELECT i.party_id, i.party_name, i.currency,
          i.total_minor - coalesce(s.amount, 0) AS amount, $2 - i.due_date AS days
        FROM invoice i LEFT JOIN settled s ON s.invoice_id = i.id
        WHERE i.direction = $1 AND NOT i.is_credit_note AND i.issue_date <= $2
        UNION ALL
        SELECT p.party_id, '', p.currency,
          -(p.amount_minor
            - coalesce((SELECT sum(amount_minor) FROM allocation WHERE payment_id = p.id
                        AND allocated_on <= $2), 0)
            - coalesce((SELECT sum(amount_minor) FROM refund WHERE payment_id = p.id
                        AND refund_date <= $2), 0)), 0
        FROM payment p WHERE p.direction = $1 AND p.payment_date <= $2
        UNION ALL
        SELECT c.party_id, c.party_name, c.currency,
          -(c.total_minor - coalesce((SELECT sum(amount_minor) FROM allocation
                                      WHERE credit_note_id = c.id), 0)), 0
        FROM invoice c WHERE c.direction = $1 AND c.is_credit_note AND c.issue_date <= $2)
      SELECT party_id, max(party_name) AS party_name, currency,
        sum(amount) FILTER (WHERE days <= 30)::bigint AS d30,
        sum(amount) FILTER (WHERE days BETWEEN 31 AND 60)::bigint AS d60,
        sum(amount) FILTER (WHERE days BETWEEN 61 AND 90)::bigint AS d90,
        sum(amount) FILTER (WHERE days > 90)::bigint AS older,
        sum(amount)::bigint AS total
      FROM open_items GROUP BY party_id, currency HAVING sum(amount) <> 0
      ORDER BY party_id, currency
      """,
      [direction, asOf]
    )
    var response = Erp_Finance_V1_AgedBalancesResponse()
    response.parties = try rows.map { row in
      var party = Erp_Finance_V1_AgedParty()
      party.partyID = try row.decode("party_id", as: String.self)
      party.partyName = try row.decode("party_name", as: String.self)
      party.currencyCode = try row.decode("currency", as: String.self)
      party.days030Minor = try row.decodeIfPresent("d30", as: Int64.self) ?? 0
      party.days3160Minor = try row.decodeIfPresent("d60", as: Int64.self) ?? 0
      party.days6190Minor = try row.decodeIfPresent("d90", as: Int64.self) ?? 0
      party.daysOver90Minor = try row.decodeIfPresent("older", as: Int64.self) ?? 0
      party.totalMinor = try row.decode("total", as: Int64.self)
      return party
    }
    return response
  }

  /// Every document of one party in one currency between two dates, with the running balance
  /// (positive: the party owes us, or, for payables, we owe the party).
  static func statement(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_PartyStatementRequest
  ) async throws -> Erp_Finance_V1_PartyStatementResponse {
    let direction = try BillingValues.direction(request.direction)
    let partyID = try BillingValues.partyID(request.partyID)
    let currency = try LedgerValues.currency(request.currencyCode, field: "currency_code")
    let from = try LedgerValues.date(request.from, field: "from")
    let to = try LedgerValues.date(request.to, field: "to")
    guard from <= to else { throw LedgerValues.invalid("to", "must not be before from") }
    let rows = try await pool.tenantQuery(
      tenant,
      """
      WITH events AS (
        SELECT issue_date AS day, CASE WHEN is_credit_note THEN 'credit_note' ELSE 'invoice' END AS kind,
          number, CASE WHEN is_credit_note THEN -total_minor ELSE total_minor END AS amount
        FROM invoice WHERE direction = $1 AND party_id = $2 AND currency = $3
        UNION ALL
        SELECT payment_date, 'payment', number, -amount_minor
        FROM payment WHERE direction = $1 AND party_id = $2 AND currency = $3
        UNION ALL
        SELECT r.refund_date, 'refund', p.number, r.amount_minor
        FROM refund r JOIN payment p ON p.id = r.payment_id
        WHERE p.direction = $1 AND p.party_id = $2 AND p.currency = $3)
      SELECT day, kind, number, amount, day < $4 AS before FROM events
      WHERE day <= $5 ORDER BY day, number
      """,
      [direction, partyID, currency.code, from, to]
    )
    var response = Erp_Finance_V1_PartyStatementResponse()
    response.currencyCode = currency.code
    var balance: Int64 = 0
    for row in rows {
      let amount = try row.decode("amount", as: Int64.self)
      balance += amount
      if try row.decode("before", as: Bool.self) {
        response.openingBalanceMinor = balance
        continue
      }
      var line = Erp_Finance_V1_StatementLine()
      line.date = LedgerValues.proto(try row.decode("day", as: CalendarDate.self))
      line.kind = try row.decode("kind", as: String.self)
      line.number = try row.decode("number", as: String.self)
      line.amountMinor = amount
      line.balanceMinor = balance
      response.lines.append(line)
    }
    response.closingBalanceMinor = balance
    return response
  }

  /// Output tax (customer invoices less credit notes) and input tax (supplier bills less their
  /// credit notes) by tax code, in base currency, for documents issued between two dates.
  static func vatReturn(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_VatReturnRequest
  )
    async throws -> Erp_Finance_V1_VatReturnResponse
  {
    let from = try LedgerValues.date(request.from, field: "from")
    let to = try LedgerValues.date(request.to, field: "to")
    guard from <= to else { throw LedgerValues.invalid("to", "must not be before from") }
    return try await pool.withTenant(tenant) { session in
      let base = try await LedgerSettingsStore.baseCurrency(session)
      let rows = try await session.query(
        """
        SELECT l.tax_code,
          sum(CASE WHEN i.direction = 'receivable' THEN s.sign * l.net_base_minor ELSE 0 END)::bigint AS output_net,
          sum(CASE WHEN i.direction = 'receivable' THEN s.sign * l.tax_base_minor ELSE 0 END)::bigint AS output_tax,
          sum(CASE WHEN i.direction = 'payable' THEN s.sign * l.net_base_minor ELSE 0 END)::bigint AS input_net,
          sum(CASE WHEN i.direction = 'payable' THEN s.sign * l.tax_base_minor ELSE 0 END)::bigint AS input_tax
        FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
        CROSS JOIN LATERAL (SELECT CASE WHEN i.is_credit_note THEN -1 ELSE 1 END AS sign) s
        WHERE i.issue_date BETWEEN $1 AND $2
        GROUP BY l.tax_code ORDER BY l.tax_code
        """,
        [from, to]
      )
      var response = Erp_Finance_V1_VatReturnResponse()
      response.baseCurrency = base.code
      for row in rows {
        var line = Erp_Finance_V1_VatReturnLine()
        line.taxCode = try row.decode("tax_code", as: String.self)
        line.outputNetMinor = try row.decode("output_net", as: Int64.self)
        line.outputTaxMinor = try row.decode("output_tax", as: Int64.self)
        line.inputNetMinor = try row.decode("input_net", as: Int64.self)
        line.inputTaxMinor = try row.decode("input_tax", as: Int64.self)
        response.outputTaxMinor += line.outputTaxMinor
        response.inputTaxMinor += line.inputTaxMinor
        response.lines.append(line)
      }
      response.netMinor = response.outputTaxMinor - response.inputTaxMinor
      return response
    }
  }
}

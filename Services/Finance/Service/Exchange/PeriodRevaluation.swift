import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Unrealised exchange differences at a month's end. The open part of every foreign-currency
/// document dated in or before the month (invoices and bills less what was settled by the
/// month's end; payments and credit notes less what they settled or refunded) is carried at its
/// own rates; revalued at the month-end rate, the difference per control account and currency
/// is posted on the last day of the month against unrealised FX gain (positive adjustments) or
/// loss (negative), and reversed on the first day of the next month, so realised differences
/// are always measured from the documents' own rates (the reversal method). Once per month.
enum PeriodRevaluation {
  static func revalue(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_RevaluePeriodRequest
  ) async throws -> Erp_Finance_V1_Revaluation {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    var period = Erp_Finance_V1_PeriodRequest()
    (period.year, period.month) = (request.year, request.month)
    let (year, month) = try LedgerSettingsStore.period(period)
    let given = try Self.rates(request.rates)
    let key = try RequestKey("finance.revaluation", request, id: \.requestID)
    let hash = key.fingerprint
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "fx_revaluation_request_id_key",
      existing: { session in
        let rows = try await session.query(
          "SELECT year, month, content_hash FROM fx_revaluation WHERE request_id = $1",
          [requestID]
        )
        guard let row = rows.first else { return nil }
        let (year, month) = (
          try row.decode("year", as: Int.self), try row.decode("month", as: Int.self)
        )
        return (
          try row.decode("content_hash", as: String.self), "the revaluation of \(year)-\(month)",
          try await Self.read(session, year: year, month: month)
        )
      },
      create: { session in
        // One revaluation at a time, so two request ids for one month cannot both post.
        try await session.query("LOCK TABLE fx_revaluation IN SHARE ROW EXCLUSIVE MODE")
        let done = try await session.query(
          "SELECT request_id FROM fx_revaluation WHERE year = $1 AND month = $2",
          [year, month]
        )
        guard done.isEmpty else {
          throw RPCError(
            code: .alreadyExists,
            message: "year, month: \(year)-\(month) was already revalued (under another request_id)"
          )
        }
        let end = CalendarDate(
          year: year,
          month: month,
          day: CalendarDate.days(inYear: year, month: month)
        )
        let lines = try await Self.revalued(session, at: end, given)
        let posted = try await Self.post(session, year: year, month: month, end: end, lines)
        try await session.query(
          """
          INSERT INTO fx_revaluation (year, month, request_id, content_hash, net_adjustment_minor,
            entry_id, reversal_entry_id)
          VALUES ($1, $2, $3, $4, $5, (SELECT id FROM journal_entry WHERE number = $6),
            (SELECT id FROM journal_entry WHERE number = $7))
          """,
          [
            year, month, requestID, hash, lines.reduce(0) { $0 + $1.adjustment }, posted?.entry,
            posted?.reversal,
          ]
        )
        for line in lines {
          try await session.query(
            """
            INSERT INTO fx_revaluation_line (year, month, direction, currency, rate, open_minor,
              carrying_base_minor, revalued_base_minor, adjustment_base_minor)
            VALUES ($1, $2, $3, $4, $5::numeric, $6, $7, $8, $9)
            """,
            [
              year, month, line.direction, line.currency.code, line.rate.description, line.open,
              line.carrying, line.revalued, line.adjustment,
            ]
          )
        }
        return try await Self.read(session, year: year, month: month)
      }
    )
  }

  /// The rates given, one per currency.
  static func rates(_ rates: [Erp_Finance_V1_RevaluationRate]) throws -> [Currency: DecimalRate] {
    guard rates.count <= 200 else { throw LedgerValues.invalid("rates", "at most 200 rates") }
    var given: [Currency: DecimalRate] = [:]
    for (index, rate) in rates.enumerated() {
      let field = "rates[\(index)]"
      let currency = try LedgerValues.currency(rate.currencyCode, field: field + ".currency_code")
      guard let value = DecimalRate(rate.rate) else {
        throw LedgerValues.invalid(
          field + ".rate",
          "a positive decimal such as \"3.75\" with at most 10 decimal places"
        )
      }
      guard given.updateValue(value, forKey: currency) == nil else {
        throw LedgerValues.invalid(field + ".currency_code", "\(currency) is given twice")
      }
    }
    return given
  }

  /// One control account's open items in one currency.
  struct Line {
    var direction: String
    var currency: Currency
    var rate: DecimalRate
    var open: Int64
    var carrying: Int64
    var revalued: Int64
    var adjustment: Int64
  }

  /// The open items at `end`, signed as their control account carries them, summed per
  /// direction and currency, and revalued.
  static func revalued(
    _ session: PostgresSession,
    at end: CalendarDate,
    _ given: [Currency: DecimalRate]
  ) async throws -> [Line] {
    let base = try await LedgerSettingsStore.baseCurrency(session)
    let rows = try await session.query(
      """
      WITH open_item AS (
        SELECT i.direction, i.currency,
          CASE WHEN i.is_credit_note THEN -1 ELSE 1 END
            * CASE WHEN i.direction = 'receivable' THEN 1 ELSE -1 END AS sign,
          i.total_minor - coalesce(a.amount, 0) AS open,
          document_base_minor(i.entry_id) - coalesce(a.base, 0) AS carrying
        FROM invoice i
        LEFT JOIN LATERAL (
          SELECT sum(amount_minor) AS amount,
            sum(CASE WHEN i.is_credit_note THEN settled_base_minor ELSE invoice_base_minor END)
              AS base
          FROM allocation
          WHERE (invoice_id = i.id OR credit_note_id = i.id) AND realised_on <= $1
        ) a ON true
        WHERE i.issue_date <= $1 AND i.currency <> $2
        UNION ALL
        SELECT p.direction, p.currency,
          CASE WHEN p.direction = 'receivable' THEN -1 ELSE 1 END,
          p.amount_minor - coalesce(a.amount, 0) - coalesce(r.amount, 0),
          document_base_minor(p.entry_id) - coalesce(a.base, 0) - coalesce(r.base, 0)
        FROM payment p
        LEFT JOIN LATERAL (
          SELECT sum(amount_minor) AS amount, sum(settled_base_minor) AS base FROM allocation
          WHERE payment_id = p.id AND realised_on <= $1
        ) a ON true
        LEFT JOIN LATERAL (
          SELECT sum(amount_minor) AS amount, sum(settled_base_minor) AS base FROM refund
          WHERE payment_id = p.id AND refund_date <= $1
        ) r ON true
        WHERE p.payment_date <= $1 AND p.currency <> $2
      )
      SELECT direction, currency, sum(sign * open)::bigint AS open,
        sum(sign * carrying)::bigint AS carrying
      FROM open_item WHERE open <> 0 OR carrying <> 0
      GROUP BY direction, currency ORDER BY direction DESC, currency
      """,
      [end, base.code]
    )
    var lines: [Line] = []
    for row in rows {
      let currency = Currency(code: try row.decode("currency", as: String.self))!
      var rate = given[currency]
      if rate == nil {
        rate = try await LedgerSettingsStore.rate(session, currency: currency, on: end)
      }
      guard let rate else {
        throw RPCError(
          code: .failedPrecondition,
          message: "rates: none given for \(currency) and the ledger has none on or before "
            + end.postgresText
        )
      }
      let open = try row.decode("open", as: Int64.self)
      let carrying = try row.decode("carrying", as: Int64.self)
      guard let revalued = rate.convert(open, from: currency, to: base) else {
        throw LedgerValues.invalid("rates", "the revalued \(currency) amount is too large")
      }
      lines.append(
        Line(
          direction: try row.decode("direction", as: String.self),
          currency: currency,
          rate: rate,
          open: open,
          carrying: carrying,
          revalued: revalued,
          adjustment: revalued - carrying
        )
      )
    }
    return lines
  }

  /// Posts the adjustments on `end` and their reversal on the next day; nil when every
  /// adjustment is zero.
  static func post(
    _ session: PostgresSession,
    year: Int,
    month: Int,
    end: CalendarDate,
    _ lines: [Line]
  ) async throws -> (entry: String, reversal: String)? {
    let adjusted = lines.filter { $0.adjustment != 0 }
    guard !adjusted.isEmpty else { return nil }
    let next = end.adding(days: 1)
    if try await LedgerSettingsStore.isClosed(session, next) {
      throw RPCError(
        code: .failedPrecondition,
        message: "month: the period \(next.year)-\(next.month), where the revaluation is "
          + "reversed, is closed"
      )
    }
    let base = try await LedgerSettingsStore.baseCurrency(session)
    let memo = "FX revaluation \(year)-\(month)"
    // Each adjustment on its control account against unrealised gain (a debit to the control
    // account) or loss, both in the line's currency with no amount in it, like a rounding line.
    var journal: [EntryPosting.RequestedLine] = []
    for line in adjusted {
      let control = line.direction == "receivable" ? "accounts_receivable" : "accounts_payable"
      let result = line.adjustment > 0 ? "fx_unrealised_gain" : "fx_unrealised_loss"
      for (role, amount) in [(control, line.adjustment), (result, -line.adjustment)] {
        journal.append(
          .init(
            index: journal.count,
            accountCode: "",
            currency: line.currency,
            amountMinor: 0,
            memo: memo,
            accountRole: role,
            baseAmountMinor: amount
          )
        )
      }
    }
    let requestID = "fx-revaluation:\(year)-\(month)"
    let entry = try await EntryPosting.record(
      session,
      .init(
        requestID: requestID,
        contentHash: requestID,
        date: end,
        memo: memo,
        sourceType: "fx_revaluation",
        sourceID: "\(year)-\(month)"
      ),
      journal
    )
    let original = try await EntryReading.byNumber(session, entry.number)
    let mirrored = original.lines.map { line in
      var line = line
      line.amountMinor = -line.amountMinor
      line.baseAmountMinor = -line.baseAmountMinor
      return line
    }
    let reversal = try await EntryPosting.insert(
      session,
      EntryPosting.Header(
        requestID: requestID + ":reversal",
        contentHash: requestID + ":reversal",
        date: next,
        memo: "reversal of \(entry.number) (\(memo))",
        sourceType: "reversal",
        sourceID: entry.number,
        reversesID: original.id,
        baseCurrency: base.code
      ),
      mirrored
    )
    return (entry.number, reversal.number)
  }

  static func read(
    _ session: PostgresSession,
    year: Int,
    month: Int
  ) async throws -> Erp_Finance_V1_Revaluation {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT r.request_id, r.net_adjustment_minor, coalesce(e.number, '') AS entry,
          coalesce(b.number, '') AS reversal, s.base_currency
        FROM fx_revaluation r CROSS JOIN ledger_settings s
        LEFT JOIN journal_entry e ON e.id = r.entry_id
        LEFT JOIN journal_entry b ON b.id = r.reversal_entry_id
        WHERE r.year = $1 AND r.month = $2
        """,
        [year, month]
      ),
      PostgresStatement(
        """
        SELECT direction, currency, rate::text AS rate, open_minor, carrying_base_minor,
          revalued_base_minor, adjustment_base_minor
        FROM fx_revaluation_line WHERE year = $1 AND month = $2
        ORDER BY direction DESC, currency
        """,
        [year, month]
      ),
    ])
    let row = results[0][0]
    var answer = Erp_Finance_V1_Revaluation()
    answer.year = Int32(year)
    answer.month = Int32(month)
    answer.requestID = try row.decode("request_id", as: String.self)
    answer.baseCurrency = try row.decode("base_currency", as: String.self)
    answer.netAdjustmentBaseMinor = try row.decode("net_adjustment_minor", as: Int64.self)
    answer.journalEntry = try row.decode("entry", as: String.self)
    answer.reversalEntry = try row.decode("reversal", as: String.self)
    answer.lines = try results[1].map { line in
      var proto = Erp_Finance_V1_RevaluationLine()
      proto.direction = BillingValues.direction(try line.decode("direction", as: String.self))
      proto.currencyCode = try line.decode("currency", as: String.self)
      proto.rate = DecimalRate(try line.decode("rate", as: String.self))?.description ?? ""
      proto.openMinor = try line.decode("open_minor", as: Int64.self)
      proto.carryingBaseMinor = try line.decode("carrying_base_minor", as: Int64.self)
      proto.revaluedBaseMinor = try line.decode("revalued_base_minor", as: Int64.self)
      proto.adjustmentBaseMinor = try line.decode("adjustment_base_minor", as: Int64.self)
      return proto
    }
    return answer
  }
}

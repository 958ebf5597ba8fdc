import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import SwiftProtobuf

/// Payments received and sent, their allocation to invoices, and refunds of what is left
/// unallocated. A payment received debits cash and credits receivables with its whole amount
/// (a payment sent: payables against cash), so an unallocated part is a credit on the party's
/// account until allocated or refunded.
enum Payments {
  static func record(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_RecordPaymentRequest
  )
    async throws -> Erp_Finance_V1_Payment
  {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    let direction = try BillingValues.direction(request.direction)
    let partyID = try BillingValues.partyID(request.partyID)
    let (currency, amount) = try BillingValues.positive(request.amount, field: "amount")
    let date = try LedgerValues.date(request.date, field: "date")
    let reference = try LedgerValues.text(
      request.reference,
      field: "reference",
      maxLength: 200,
      required: false
    )
    let key = try RequestKey("finance.payment", request, id: \.requestID)
    let hash = key.fingerprint
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "payment_request_id_key",
      existing: { try await Self.byRequestID($0, requestID) },
      create: { session in
        let received = direction == "receivable"
        let cash = try await BillingValues.roleAccount(session, "cash")
        let control = try await BillingValues.roleAccount(
          session,
          received ? "accounts_receivable" : "accounts_payable"
        )
        let number = try await session.query(
          "SELECT $1 || '-' || lpad(nextval('document_number')::text, 6, '0') AS number",
          [received ? "RCPT" : "PAY"]
        )[0].decode("number", as: String.self)
        let entry = try await EntryPosting.record(
          session,
          .init(
            requestID: "payment:" + requestID,
            contentHash: hash,
            date: date,
            memo: "\(number) \(partyID)",
            sourceType: "payment",
            sourceID: number
          ),
          [
            .init(
              index: 0,
              accountCode: received ? cash : control,
              currency: currency,
              amountMinor: amount,
              memo: reference
            ),
            .init(
              index: 1,
              accountCode: received ? control : cash,
              currency: currency,
              amountMinor: -amount,
              memo: reference
            ),
          ]
        )
        let id = try await session.query(
          """
          INSERT INTO payment (number, request_id, content_hash, direction, party_id, currency,
            amount_minor, payment_date, reference, entry_id)
          SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, e.id FROM journal_entry e WHERE e.number = $10
          RETURNING id
          """,
          [
            number, requestID, hash, direction, partyID, currency.code, amount, date, reference,
            entry.number,
          ]
        )[0].decode("id", as: Int64.self)
        try await Self.allocate(session, paymentID: id, request.allocations)
        let payment = try await Self.byID(session, id)
        try await PartnerEvents.queue(
          session,
          .paymentRecorded,
          key: "payment:\(payment.number)",
          data: payment
        )
        return payment
      }
    )
  }

  /// Raises each named invoice's share of the payment to the amount given. Idempotent by
  /// nature: asking again for the same amounts changes nothing; lowering a share is refused.
  static func allocate(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_AllocatePaymentRequest
  )
    async throws -> Erp_Finance_V1_Payment
  {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT id FROM payment WHERE number = $1",
        [request.paymentNumber]
      )
      guard let row = rows.first else {
        throw RPCError(
          code: .notFound,
          message: "payment_number: no payment \(quoted(request.paymentNumber))"
        )
      }
      let id = try row.decode("id", as: Int64.self)
      try await Self.allocate(session, paymentID: id, request.allocations)
      return try await Self.byID(session, id)
    }
  }

  static func allocate(
    _ session: PostgresSession,
    paymentID: Int64,
    _ allocations: [Erp_Finance_V1_Allocation]
  )
    async throws
  {
    guard !allocations.isEmpty else { return }
    // Locks the payment, then the invoices in number order: concurrent allocations queue here
    // instead of both reading the same outstanding amount.
    let payment = try await session.query(
      """
      SELECT direction, party_id, currency, amount_minor, payment_date,
        (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE payment_id = p.id)
        + (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE payment_id = p.id) AS used
      FROM payment p WHERE id = $1 FOR UPDATE
      """,
      [paymentID]
    )[0]
    let direction = try payment.decode("direction", as: String.self)
    let partyID = try payment.decode("party_id", as: String.self)
    let currency = Currency(code: try payment.decode("currency", as: String.self))!
    var available =
      try payment.decode("amount_minor", as: Int64.self) - payment.decode("used", as: Int64.self)
    let date = try payment.decode("payment_date", as: CalendarDate.self)
    for (index, allocation) in allocations.enumerated().sorted(by: {
      $0.element.invoiceNumber < $1.element.invoiceNumber
    }) {
      let field = "allocations[\(index)]"
      let (allocationCurrency, wanted) = try BillingValues.positive(
        allocation.amount,
        field: field + ".amount"
      )
      guard allocationCurrency == currency else {
        throw LedgerValues.invalid(field + ".amount.currency_code", "the payment is in \(currency)")
      }
      let invoices = try await session.query(
        """
        SELECT id, direction, party_id, currency, is_credit_note, total_minor,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE invoice_id = i.id) AS allocated,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation
            WHERE invoice_id = i.id AND payment_id = $2) AS already
        FROM invoice i WHERE number = $1 FOR UPDATE
        """,
        [allocation.invoiceNumber, paymentID]
      )
      guard let invoice = invoices.first else {
        throw LedgerValues.invalid(
          field + ".invoice_number",
          "no invoice \(quoted(allocation.invoiceNumber))"
        )
      }
      guard try invoice.decode("direction", as: String.self) == direction,
        try invoice.decode("party_id", as: String.self) == partyID,
        try invoice.decode("currency", as: String.self) == currency.code,
        try invoice.decode("is_credit_note", as: Bool.self) == false
      else {
        throw RPCError(
          code: .failedPrecondition,
          message: "\(field).invoice_number: \(allocation.invoiceNumber) is not an invoice of "
            + "\(partyID) in \(currency) on this side of the ledger"
        )
      }
      let already = try invoice.decode("already", as: Int64.self)
      guard wanted >= already else {
        throw RPCError(
          code: .failedPrecondition,
          message: "\(field).amount: \(LedgerValues.display(already, currency)) is already "
            + "allocated to \(allocation.invoiceNumber); allocations are never lowered"
        )
      }
      let more = wanted - already
      guard more > 0 else { continue }
      let outstanding =
        try invoice.decode("total_minor", as: Int64.self)
        - invoice.decode("allocated", as: Int64.self)
      guard more <= outstanding else {
        throw RPCError(
          code: .failedPrecondition,
          message: "\(field).amount: only \(LedgerValues.display(outstanding, currency)) is "
            + "outstanding on \(allocation.invoiceNumber)"
        )
      }
      guard more <= available else {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "\(field).amount: only \(LedgerValues.display(available, currency)) of the payment is unallocated"
        )
      }
      available -= more
      try await Settlement.allocate(
        session,
        invoiceID: try invoice.decode("id", as: Int64.self),
        by: .payment(paymentID),
        amount: more,
        allocatedOn: date
      )
      if more == outstanding {
        var paid = Erp_Gateway_V1_DocumentEventData()
        paid.kind = "invoice"
        paid.number = allocation.invoiceNumber
        paid.partyID = partyID
        paid.amount = Erp_Common_V1_Money(
          try invoice.decode("total_minor", as: Int64.self),
          currency.code
        )
        paid.summary = "\(allocation.invoiceNumber) paid in full"
        try await PartnerEvents.queue(
          session,
          .invoicePaid,
          key: "invoice:\(allocation.invoiceNumber):paid",
          data: paid
        )
      }
    }
  }

  static func refund(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Finance_V1_RefundPaymentRequest
  )
    async throws -> Erp_Finance_V1_Payment
  {
    let requestID = try LedgerValues.text(
      request.requestID,
      field: "request_id",
      maxLength: 100,
      required: true
    )
    let (currency, amount) = try BillingValues.positive(request.amount, field: "amount")
    let date = try LedgerValues.date(request.date, field: "date")
    let key = try RequestKey("finance.refund", request, id: \.requestID)
    let hash = key.fingerprint
    return try await Idempotency.once(
      pool,
      tenant,
      key,
      constraint: "refund_request_id_key",
      existing: { session in
        let rows = try await session.query(
          "SELECT r.content_hash, r.payment_id, p.number FROM refund r JOIN payment p ON p.id = r.payment_id "
            + "WHERE r.request_id = $1",
          [requestID]
        )
        guard let row = rows.first else { return nil }
        return (
          try row.decode("content_hash", as: String.self),
          "a refund of " + (try row.decode("number", as: String.self)),
          try await Self.byID(session, try row.decode("payment_id", as: Int64.self))
        )
      },
      create: { session in
        let rows = try await session.query(
          """
          SELECT id, direction, currency, amount_minor,
            (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE payment_id = p.id)
            + (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE payment_id = p.id) AS used
          FROM payment p WHERE number = $1 FOR UPDATE
          """,
          [request.paymentNumber]
        )
        guard let payment = rows.first else {
          throw RPCError(
            code: .notFound,
            message: "payment_number: no payment \(quoted(request.paymentNumber))"
          )
        }
        guard try payment.decode("currency", as: String.self) == currency.code else {
          throw LedgerValues.invalid("amount.currency_code", "the payment is in another currency")
        }
        let unallocated =
          try payment.decode("amount_minor", as: Int64.self)
          - payment.decode("used", as: Int64.self)
        guard amount <= unallocated else {
          throw RPCError(
            code: .failedPrecondition,
            message: "amount: only \(LedgerValues.display(unallocated, currency)) of "
              + "\(request.paymentNumber) is unallocated"
          )
        }
        let received = try payment.decode("direction", as: String.self) == "receivable"
        let cash = try await BillingValues.roleAccount(session, "cash")
        let control = try await BillingValues.roleAccount(
          session,
          received ? "accounts_receivable" : "accounts_payable"
        )
        let entry = try await EntryPosting.record(
          session,
          .init(
            requestID: "refund:" + requestID,
            contentHash: hash,
            date: date,
            memo: "refund of \(request.paymentNumber)",
            sourceType: "refund",
            sourceID: request.paymentNumber
          ),
          [
            .init(
              index: 0,
              accountCode: received ? control : cash,
              currency: currency,
              amountMinor: amount,
              memo: ""
            ),
            .init(
              index: 1,
              accountCode: received ? cash : control,
              currency: currency,
              amountMinor: -amount,
              memo: ""
            ),
          ]
        )
        let paymentID = try payment.decode("id", as: Int64.self)
        // The payment's share of base the refund takes back, against the refund's own base at
        // its date's rate: what that leaves on the control account is an exchange difference.
        let share = try await Settlement.refundShare(session, paymentID: paymentID, amount: amount)
        let refundBase = entry.lines[0].baseDebit.unitsMinor + entry.lines[0].baseCredit.unitsMinor
        let residual = received ? refundBase - share : share - refundBase
        let refundID = try await session.query(
          """
          INSERT INTO refund (request_id, content_hash, payment_id, amount_minor, refund_date,
            entry_id, settled_base_minor, exchange_difference_minor)
          SELECT $1, $2, $3, $4, $5, e.id, $7, $8 FROM journal_entry e WHERE e.number = $6
          RETURNING id
          """,
          [requestID, hash, paymentID, amount, date, entry.number, share, -residual]
        )[0].decode("id", as: Int64.self)
        try await Settlement.realise(
          session,
          residual,
          .init(
            table: "refund",
            rowID: refundID,
            receivable: received,
            currency: currency,
            date: date,
            memo: "exchange difference on refund of \(request.paymentNumber)",
            source: request.paymentNumber
          )
        )
        return try await Self.byID(session, paymentID)
      }
    )
  }

  static func byRequestID(
    _ session: PostgresSession,
    _ requestID: String
  ) async throws
    -> (hash: String, number: String, value: Erp_Finance_V1_Payment)?
  {
    let rows = try await session.query(
      "SELECT id, content_hash, number FROM payment WHERE request_id = $1",
      [requestID]
    )
    guard let row = rows.first else { return nil }
    return (
      try row.decode("content_hash", as: String.self), try row.decode("number", as: String.self),
      try await Self.byID(session, try row.decode("id", as: Int64.self))
    )
  }

  static func byID(_ session: PostgresSession, _ id: Int64) async throws -> Erp_Finance_V1_Payment {
    let results = try await session.pipeline([
      PostgresStatement(
        """
        SELECT p.number, p.direction, p.party_id, p.currency, p.amount_minor, p.payment_date,
          p.reference, e.number AS entry,
          (SELECT coalesce(sum(amount_minor), 0) FROM refund WHERE payment_id = p.id) AS refunded,
          (SELECT coalesce(sum(amount_minor), 0) FROM allocation WHERE payment_id = p.id) AS allocated
        FROM payment p JOIN journal_entry e ON e.id = p.entry_id WHERE p.id = $1
        """,
        [id]
      ),
      PostgresStatement(
        """
        SELECT i.number, sum(a.amount_minor)::bigint AS amount,
          sum(a.exchange_difference_minor)::bigint AS difference,
          (SELECT base_currency FROM ledger_settings) AS base
        FROM allocation a
        JOIN invoice i ON i.id = a.invoice_id WHERE a.payment_id = $1
        GROUP BY i.number ORDER BY i.number
        """,
        [id]
      ),
    ])
    let row = results[0][0]
    let currency = try row.decode("currency", as: String.self)
    let amount = try row.decode("amount_minor", as: Int64.self)
    let refunded = try row.decode("refunded", as: Int64.self)
    let allocated = try row.decode("allocated", as: Int64.self)
    var payment = Erp_Finance_V1_Payment()
    payment.number = try row.decode("number", as: String.self)
    payment.direction = BillingValues.direction(try row.decode("direction", as: String.self))
    payment.partyID = try row.decode("party_id", as: String.self)
    payment.amount = Erp_Common_V1_Money(amount, currency)
    payment.date = LedgerValues.proto(try row.decode("payment_date", as: CalendarDate.self))
    payment.reference = try row.decode("reference", as: String.self)
    payment.journalEntry = try row.decode("entry", as: String.self)
    payment.refunded = Erp_Common_V1_Money(refunded, currency)
    payment.unallocated = Erp_Common_V1_Money(amount - allocated - refunded, currency)
    payment.allocations = try results[1].map { allocation in
      var proto = Erp_Finance_V1_Allocation()
      proto.invoiceNumber = try allocation.decode("number", as: String.self)
      proto.amount = Erp_Common_V1_Money(try allocation.decode("amount", as: Int64.self), currency)
      proto.exchangeDifference = Erp_Common_V1_Money(
        try allocation.decode("difference", as: Int64.self),
        try allocation.decode("base", as: String.self)
      )
      return proto
    }
    return payment
  }
}

import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// The credit check of a confirmation: the customer's open receivables (finance) plus its open
/// orders (confirmed or being confirmed, less what finance has invoiced of them) plus this
/// order must not exceed the customer's credit limit (finance's party terms, base currency).
/// Over it, the confirmation is FAILED_PRECONDITION naming the limit and the exposure, unless
/// the caller overrides it with a reason and the scope `sales:credit_override`; the override
/// is recorded on the order.
///
/// Not racing: the check runs in the transaction that moves the order to confirming, holding
/// the customer's row of `sales_credit_lock` (`FOR UPDATE` by an upsert) until it commits, so
/// two confirmations of one customer are decided one after the other and the second counts
/// the first. The lock is taken before finance is asked, so an invoice finance issues in
/// between is counted twice at worst (in finance and still on the order), never missed.
///
/// Most customers have no limit: finance is asked that first, before the lock, and their
/// confirmations neither queue behind one another nor add up the customer's open orders (a
/// customer with thousands of open orders made every confirmation read them all, one at a
/// time). A limit set after that answer holds from the customer's next confirmation.
enum CreditCheck {
  /// An override as the request asks it: the reason and who approved it.
  struct Override: Sendable {
    var reason: String
    var approvedBy: String
  }

  static let maxReasonBytes = 500

  /// The request's override, checked before anything is read: a reason of 1 to 500 bytes and
  /// a caller with the override scope.
  static func requestedOverride(_ request: Erp_Sales_V1_OrderRef) throws -> Override? {
    guard request.overrideCreditLimit else {
      guard request.overrideReason.isEmpty else {
        throw SalesValues.invalid("override_reason", "only with override_credit_limit")
      }
      return nil
    }
    let reason = request.overrideReason.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !reason.isEmpty, reason.utf8.count <= Self.maxReasonBytes else {
      throw SalesValues.invalid(
        "override_reason",
        "1 to \(Self.maxReasonBytes) bytes, required with override_credit_limit"
      )
    }
    guard let caller = RequestContext.caller,
      caller.scopes.contains(Caller.creditOverrideScope)
    else {
      throw RPCError(
        code: .permissionDenied,
        message: "override_credit_limit: the caller lacks the scope \(Caller.creditOverrideScope)"
      )
    }
    return Override(reason: reason, approvedBy: caller.id)
  }

  /// Checks `order` (locked, about to be confirming) against its customer's limit, in the
  /// store's transaction; records the override when one was needed and given.
  static func check(
    _ store: OrderStore,
    _ peers: PeerClients,
    _ order: OrderRow,
    override: Override?
  ) async throws {
    let session = store.session
    var probe = Erp_Finance_V1_GetCreditExposureRequest()
    probe.partyID = order.customerID
    guard try await peers.finance.billing.getCreditExposure(probe).hasCreditLimit else { return }
    try await session.query(
      """
      INSERT INTO sales_credit_lock (customer_id) VALUES ($1)
      ON CONFLICT (customer_id) DO UPDATE SET customer_id = EXCLUDED.customer_id
      """,
      [order.customerID]
    )
    var request = Erp_Finance_V1_GetCreditExposureRequest()
    request.partyID = order.customerID
    request.pending = try await Self.openOrders(session, order)
    request.pending.append(Erp_Common_V1_Money(order.total, order.currency))
    let exposure = try await peers.finance.billing.getCreditExposure(request)
    guard exposure.hasCreditLimit, exposure.exposure.unitsMinor > exposure.creditLimit.unitsMinor
    else { return }
    guard let override else {
      throw RPCError(code: .failedPrecondition, message: Self.message(order, exposure))
    }
    try await session.query(
      """
      INSERT INTO sales_credit_override (order_id, approved_by, currency_code, limit_minor,
        exposure_minor, reason)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (order_id) DO UPDATE SET approved_by = EXCLUDED.approved_by,
        approved_at = now(), currency_code = EXCLUDED.currency_code,
        limit_minor = EXCLUDED.limit_minor, exposure_minor = EXCLUDED.exposure_minor,
        reason = EXCLUDED.reason
      """,
      [
        order.id, override.approvedBy, exposure.baseCurrency, exposure.creditLimit.unitsMinor,
        exposure.exposure.unitsMinor, override.reason,
      ]
    )
  }

  /// The customer's other open orders, per currency: confirmed (or being confirmed) and not
  /// yet invoiced in finance, each its total less the invoices finance has issued for it (net
  /// and tax per line, finance's rounding).
  static func openOrders(
    _ session: PostgresSession,
    _ order: OrderRow
  ) async throws -> [Erp_Common_V1_Money] {
    try await session.query(
      """
      SELECT o.currency_code, sum(greatest(0,
        (SELECT coalesce(sum(l.net_minor + l.tax_minor), 0) FROM sales_order_line l
          WHERE l.order_id = o.id)
        - (SELECT coalesce(sum(dl.net_minor + round(dl.net_minor * l.tax_rate_bp / 10000.0)), 0)
          FROM sales_document d JOIN outbox x ON x.key = d.key AND x.result IS NOT NULL
          JOIN sales_document_line dl ON dl.key = d.key
          JOIN sales_order_line l ON l.order_id = d.order_id AND l.line_number = dl.line_number
          WHERE d.order_id = o.id AND d.kind = 'invoice')))::bigint AS amount
      FROM sales_order o
      WHERE o.customer_id = $1 AND o.id <> $2
        AND (o.status IN ('confirmed', 'partly_shipped', 'shipped')
          OR (o.status = 'draft' AND o.progress = 'confirming'))
      GROUP BY o.currency_code ORDER BY o.currency_code
      """,
      [order.customerID, order.id]
    ).map {
      Erp_Common_V1_Money(try $0.decode("amount", as: Int64.self), try $0.decode("currency_code"))
    }
  }

  /// "customer_id: … is over its credit limit: exposure 12000.00 SAR …, limit 10000.00 SAR".
  static func message(_ order: OrderRow, _ exposure: Erp_Finance_V1_CreditExposure) -> String {
    func amount(_ money: Erp_Common_V1_Money) -> String {
      let text = Currency(code: money.currencyCode)?.decimal(money.unitsMinor)
      return (text ?? String(money.unitsMinor)) + " " + money.currencyCode
    }
    return "customer_id: \(quoted(order.customerID)) would exceed its credit limit of "
      + "\(amount(exposure.creditLimit)): exposure \(amount(exposure.exposure)) "
      + "(open receivables \(amount(exposure.receivables)), open orders with "
      + "\(order.number) \(amount(exposure.pending))); confirm with override_credit_limit "
      + "and a reason to approve it"
  }

  /// The recorded override as the order shows it.
  static func proto(_ row: PostgresRow) throws -> Erp_Sales_V1_CreditOverride {
    let currency: String = try row.decode("currency_code")
    var override = Erp_Sales_V1_CreditOverride()
    override.approvedBy = try row.decode("approved_by")
    override.approvedAt.seconds = try row.decode("approved_at", as: Int64.self)
    override.creditLimit = Erp_Common_V1_Money(try row.decode("limit_minor"), currency)
    override.exposure = Erp_Common_V1_Money(try row.decode("exposure_minor"), currency)
    override.reason = try row.decode("reason")
    return override
  }
}

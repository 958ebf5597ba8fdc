import ERPRuntime
import ERPStore
import GRPCCore

/// All of the order SQL, in one place: the rest of the order code asks this store and decides
/// with ``OrderLifecycle``. It works inside the caller's transaction (`session`), so a step's
/// reads, its state change and the outbox messages it queues commit together.
struct OrderStore: Sendable {
  let session: PostgresSession
  /// Counts the states orders enter (``OrderMetrics``); a store that only reads needs none.
  let metrics: OrderMetrics?

  init(_ session: PostgresSession, metrics: OrderMetrics? = nil) {
    self.session = session
    self.metrics = metrics
  }

  /// Runs `body` with a store in one transaction of the tenant.
  static func inTenant<T: Sendable>(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    metrics: OrderMetrics? = nil,
    _ body: (OrderStore) async throws -> T
  ) async throws -> T {
    try await pool.withTenant(tenant) { try await body(OrderStore($0, metrics: metrics)) }
  }

  // MARK: The order header and its state

  /// The order's header, its row locked until the transaction ends.
  func lock(_ number: String) async throws -> OrderRow {
    let rows = try await self.session.query(
      """
      SELECT o.id, o.number, o.status, o.progress, o.reservation_attempt, o.customer_id,
        o.customer_name, o.currency_code, o.warehouse_code,
        (SELECT coalesce(sum(net_minor + tax_minor), 0) FROM sales_order_line WHERE order_id = o.id)::bigint
          AS total
      FROM sales_order o WHERE o.number = $1 FOR UPDATE
      """,
      [number]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "number: no order \(quoted(number))")
    }
    let status: String = try row.decode("status")
    let progress: String = try row.decode("progress")
    guard let status = OrderStatus(rawValue: status),
      let progress = OrderProgress(rawValue: progress)
    else {
      throw RPCError(code: .internalError, message: "order \(quoted(number)) has an unknown state")
    }
    return OrderRow(
      id: try row.decode("id"),
      number: try row.decode("number"),
      status: status,
      progress: progress,
      attempt: try row.decode("reservation_attempt"),
      customerID: try row.decode("customer_id"),
      customerName: try row.decode("customer_name"),
      currency: try row.decode("currency_code"),
      warehouse: try row.decode("warehouse_code"),
      total: try row.decode("total")
    )
  }

  /// Records the order's new state. `lastError` replaces the reason shown for the last failed
  /// confirmation when given; `newAttempt` starts a confirmation attempt (fresh reservation ids).
  func move(
    _ order: OrderRow,
    to state: OrderState,
    lastError: String? = nil,
    newAttempt: Bool = false
  ) async throws {
    var assignments = "status = $2, progress = $3"
    var parameters: [(any PostgresEncodable)?] = [
      order.id, state.status.rawValue, state.progress.rawValue,
    ]
    if newAttempt { assignments += ", reservation_attempt = reservation_attempt + 1" }
    if let lastError {
      assignments += ", last_error = $4"
      parameters.append(lastError)
    }
    try await self.session.query("UPDATE sales_order SET \(assignments) WHERE id = $1", parameters)
    self.metrics?.entered(state)
    if state.status != order.status {
      try await RecordHistory.append(
        in: self.session,
        .statusChanged,
        type: "order",
        id: order.number,
        changes: FieldChanges(
          before: ["status": FieldChanges.json(order.status.rawValue)],
          after: ["status": FieldChanges.json(state.status.rawValue)]
        )
      )
    }
  }

  /// The order's lines: number, SKU and quantity, in order.
  func lines(_ order: OrderRow) async throws -> [OrderLineRef] {
    try await self.session.query(
      "SELECT line_number, sku, quantity_milli FROM sales_order_line WHERE order_id = $1 ORDER BY line_number",
      [order.id]
    ).map { (try $0.decode("line_number"), try $0.decode("sku"), try $0.decode("quantity_milli")) }
  }

  /// The order and its lines, read in one transaction.
  static func withLines(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws -> (OrderRow, [OrderLineRef]) {
    try await Self.inTenant(pool, tenant) { store in
      let order = try await store.lock(number)
      return (order, try await store.lines(order))
    }
  }

  /// What the order's lines and documents say its status should be (``Fulfilled``); an order
  /// without lines counts as nothing shipped.
  func fulfilled(_ order: OrderRow) async throws -> Fulfilled {
    let rows = try await self.session.query(
      """
      SELECT coalesce(bool_and(shipped_milli = quantity_milli), false) AS all_shipped,
        coalesce(bool_or(shipped_milli > 0), false) AS some_shipped,
        coalesce(bool_and(invoiced_milli = quantity_milli), false) AS all_invoiced,
        NOT EXISTS (SELECT 1 FROM sales_document d JOIN outbox x ON x.key = d.key
                    WHERE d.order_id = $1 AND x.result IS NULL) AS issued
      FROM sales_order_line WHERE order_id = $1
      """,
      [order.id]
    )
    return Fulfilled(
      allShipped: try rows[0].decode("all_shipped"),
      someShipped: try rows[0].decode("some_shipped"),
      allInvoiced: try rows[0].decode("all_invoiced"),
      issued: try rows[0].decode("issued")
    )
  }

  // MARK: Reading and listing

  /// The order's header, its lines, and its documents issued in finance (kind, number) in the
  /// order issued: one round trip.
  func read(
    _ number: String
  ) async throws
    -> (header: PostgresRow, lines: [PostgresRow], issued: [PostgresRow], override: PostgresRow?)?
  {
    let results = try await self.session.pipeline([
      PostgresStatement(
        """
        SELECT number, status, customer_id, customer_name, owner_id, currency_code, order_date,
          warehouse_code, price_list_code, order_discount_bp, related_number, last_error
        FROM sales_order WHERE number = $1 AND \(RecordRules.predicate("owner_id", parameter: 2))
        """,
        [number, RecordRules.ownerLimit]
      ),
      PostgresStatement(
        """
        SELECT l.* FROM sales_order o JOIN sales_order_line l ON l.order_id = o.id
        WHERE o.number = $1 ORDER BY l.line_number
        """,
        [number]
      ),
      PostgresStatement(
        """
        SELECT d.kind, x.result FROM sales_order o JOIN sales_document d ON d.order_id = o.id
        JOIN outbox x ON x.key = d.key
        WHERE o.number = $1 AND x.result IS NOT NULL ORDER BY x.id
        """,
        [number]
      ),
      PostgresStatement(
        """
        SELECT c.approved_by, extract(epoch FROM c.approved_at)::bigint AS approved_at,
          c.currency_code, c.limit_minor, c.exposure_minor, c.reason
        FROM sales_order o JOIN sales_credit_override c ON c.order_id = o.id WHERE o.number = $1
        """,
        [number]
      ),
    ])
    guard let header = results[0].first else { return nil }
    return (header, results[1], results[2], results[3].first)
  }

  /// The customer's newest orders' numbers (not quotations), newest first.
  /// A customer's orders, newest first: those the caller may see (``RecordRules``) of the
  /// owner `ownerID` names (any when empty).
  func orderNumbers(customerID: String, ownerID: String, limit: Int) async throws -> [String] {
    try await self.session.query(
      "SELECT number FROM sales_order WHERE customer_id = $1 AND number LIKE 'SO-%' "
        + "AND \(RecordRules.predicate("owner_id", parameter: 3)) "
        + "AND \(RecordRules.filter("owner_id", parameter: 4)) "
        + "ORDER BY id DESC LIMIT $2",
      [customerID, limit, RecordRules.ownerLimit, ownerID]
    ).map { try $0.decode("number") }
  }

  /// Whether the order or quotation exists and the caller may see it (``RecordRules``): one
  /// of another owner is NOT_FOUND to a caller limited to its own, as one that does not exist.
  static func requireVisible(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT 1 FROM sales_order WHERE number = $1 AND "
        + RecordRules.predicate("owner_id", parameter: 2),
      [number, RecordRules.ownerLimit]
    )
    guard !rows.isEmpty else {
      throw RPCError(code: .notFound, message: "number: no order or quotation \(quoted(number))")
    }
  }

  /// The orders with a step under way, oldest first, for the recovery worker.
  static func inProgress(
    _ pool: ConnectionPool,
    _ tenant: TenantID
  ) async throws -> [(number: String, progress: OrderProgress)] {
    // The literal 'idle' (not a parameter) lets PostgreSQL use the partial index
    // sales_order_in_progress.
    try await pool.tenantQuery(
      tenant,
      "SELECT number, progress FROM sales_order WHERE progress <> 'idle' ORDER BY id"
    ).map { row in
      let number: String = try row.decode("number")
      guard let progress = OrderProgress(rawValue: try row.decode("progress")) else {
        throw RPCError(
          code: .internalError,
          message: "order \(quoted(number)) has an unknown state"
        )
      }
      return (number, progress)
    }
  }

  // MARK: Creating

  private static let numberByRequestID = "SELECT number FROM sales_order WHERE request_id = $1"

  /// The number of the order (or quotation) made for `requestID`, if one was.
  func number(requestID: String) async throws -> String? {
    try await self.session.query(Self.numberByRequestID, [requestID]).first?.decode("number")
  }

  /// The same in one round trip outside a transaction: the repeat check before the peers are
  /// asked.
  static func number(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    requestID: String
  ) async throws -> String? {
    try await pool.tenantQuery(tenant, Self.numberByRequestID, [requestID]).first?.decode("number")
  }

  struct NewOrder: Sendable {
    var requestID: String
    var customerID: String
    var customerName: String
    var ownerID: String
    var currency: String
    var date: CalendarDate
    var warehouse: String
    var priceList: String
    var discountBP: Int
    var quotation: Bool
  }

  struct NewLine: Sendable {
    var sku: String
    var description: String
    var quantityMilli: Int64
    var unitPriceMinor: Int64
    var discountBP: Int
    var taxCode: String
    var taxRateBP: Int
    var net: Int64
    var tax: Int64
  }

  /// Records a new order (a draft) or quotation with its lines, numbered from its sequence;
  /// returns its number.
  func create(_ order: NewOrder, lines: [NewLine]) async throws -> String {
    let sequence = order.quotation ? "quotation_number" : "order_number"
    let prefix = order.quotation ? "QT-" : "SO-"
    let status: OrderStatus = order.quotation ? .quotation : .draft
    let created = try await self.session.query(
      """
      INSERT INTO sales_order (number, request_id, customer_id, customer_name, owner_id,
        currency_code, order_date, warehouse_code, price_list_code, order_discount_bp, status)
      VALUES ('\(prefix)' || lpad(nextval('\(sequence)')::text, 6, '0'), $1, $2, $3, $4, $5, $6,
        $7, $8, $9, $10)
      RETURNING number
      """,
      [
        order.requestID, order.customerID, order.customerName, order.ownerID, order.currency,
        order.date, order.warehouse, order.priceList, order.discountBP, status.rawValue,
      ]
    )
    _ = try await self.session.pipeline(
      lines.enumerated().map { index, line in
        PostgresStatement(
          """
          INSERT INTO sales_order_line (order_id, line_number, sku, description, quantity_milli,
            unit_price_minor, discount_bp, tax_code, tax_rate_bp, net_minor, tax_minor)
          SELECT id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM sales_order WHERE request_id = $1
          """,
          [
            order.requestID, index + 1, line.sku, line.description, line.quantityMilli,
            line.unitPriceMinor, line.discountBP, line.taxCode, line.taxRateBP, line.net, line.tax,
          ]
        )
      }
    )
    self.metrics?.entered(OrderState(status))
    let number = try created[0].decode("number", as: String.self)
    try await RecordHistory.append(
      in: self.session,
      .created,
      type: "order",
      id: number,
      changes: FieldChanges(
        before: [:],
        after: [
          "customer_id": FieldChanges.json(order.customerID),
          "currency_code": FieldChanges.json(order.currency),
          "status": FieldChanges.json(status.rawValue), "lines": String(lines.count),
        ]
      ),
      requestID: order.requestID
    )
    return number
  }

  /// A quotation's id, status and the order made from it, its row locked; nil if none.
  func lockQuotation(
    _ number: String
  ) async throws -> (id: Int64, status: OrderStatus, related: String)? {
    let rows = try await self.session.query(
      "SELECT id, status, related_number FROM sales_order WHERE number = $1 FOR UPDATE",
      [number]
    )
    guard let row = rows.first else { return nil }
    guard let status = OrderStatus(rawValue: try row.decode("status")) else {
      throw RPCError(code: .internalError, message: "order \(quoted(number)) has an unknown state")
    }
    return (try row.decode("id"), status, try row.decode("related_number"))
  }

  /// Makes a draft order from the quotation, its lines and prices as quoted, and marks the
  /// quotation `status` (converted) with the order's number; returns that number.
  func convert(quotation id: Int64, to status: OrderStatus) async throws -> String {
    let created = try await self.session.query(
      """
      INSERT INTO sales_order (number, request_id, customer_id, customer_name, owner_id,
        currency_code, order_date, warehouse_code, price_list_code, order_discount_bp, status,
        related_number)
      SELECT 'SO-' || lpad(nextval('order_number')::text, 6, '0'), 'convert:' || number,
        customer_id, customer_name, owner_id, currency_code, current_date, warehouse_code,
        price_list_code, order_discount_bp, $2, number
      FROM sales_order WHERE id = $1
      RETURNING id, number
      """,
      [id, OrderStatus.draft.rawValue]
    )
    let orderID: Int64 = try created[0].decode("id")
    let order: String = try created[0].decode("number")
    _ = try await self.session.pipeline([
      PostgresStatement(
        """
        INSERT INTO sales_order_line (order_id, line_number, sku, description, quantity_milli,
          unit_price_minor, discount_bp, tax_code, tax_rate_bp, net_minor, tax_minor)
        SELECT $2, line_number, sku, description, quantity_milli, unit_price_minor, discount_bp,
          tax_code, tax_rate_bp, net_minor, tax_minor
        FROM sales_order_line WHERE order_id = $1
        """,
        [id, orderID]
      ),
      PostgresStatement(
        "UPDATE sales_order SET status = $3, related_number = $2 WHERE id = $1",
        [id, order, status.rawValue]
      ),
    ])
    return order
  }
}

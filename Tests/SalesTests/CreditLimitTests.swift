import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Testing

/// Credit limits at confirmation (``CreditCheck``): the limit in finance's party terms, the
/// exposure of open receivables, open orders and the order confirmed.
@Suite("Credit limits at confirmation")
struct CreditLimitTests {
  /// TEA-1 3 × 30.00 = 90.00 + 15 % VAT = 103.50 per order.
  static let oneOrder: Int64 = 103_50

  @Test("an order over the limit is refused with the figures, then confirmed by an override")
  func refusedThenOverridden() async throws {
    // Invoicing on confirmation: the first order is then a receivable in finance as well as a
    // confirmed order here, and must count once.
    try await SalesStack.run(invoiceOn: .confirmation) { stack in
      try await Self.limit(stack, 150_00)
      let first = try await stack.orders.createOrder(
        stack.orderRequest("cl-1", [("TEA-1", 3_000, 30_00, 0)])
      )
      #expect(first.total.unitsMinor == Self.oneOrder)
      #expect(try await stack.orders.confirmOrder(Self.ref(first.number)).status == .confirmed)
      let second = try await stack.orders.createOrder(
        stack.orderRequest("cl-2", [("TEA-1", 3_000, 30_00, 0)])
      )
      let refused = await #expect(throws: RPCError.self) {
        _ = try await stack.orders.confirmOrder(Self.ref(second.number))
      }
      #expect(refused?.code == .failedPrecondition)
      let message = refused?.message ?? ""
      #expect(message.hasPrefix("customer_id: "), "\(message)")
      #expect(message.contains("credit limit of 150.00 SAR"), "\(message)")
      #expect(message.contains("exposure 207.00 SAR"), "\(message)")
      #expect(try await stack.orders.getOrder(Self.ref(second.number)).status == .draft)

      // An override needs a reason and the scope.
      let clerk = Caller(id: "key_clerk", scopes: ["sales:write"])
      let noScope = await #expect(throws: RPCError.self) {
        try await RequestContext.$caller.withValue(clerk) {
          _ = try await stack.orders.confirmOrder(Self.ref(second.number, override: "طلب عاجل"))
        }
      }
      #expect(noScope?.code == .permissionDenied)
      #expect(noScope?.message.contains("sales:credit_override") == true)
      let noReason = await #expect(throws: RPCError.self) {
        _ = try await stack.orders.confirmOrder(Self.ref(second.number, override: " "))
      }
      #expect(noReason?.code == .invalidArgument)
      #expect(noReason?.message.hasPrefix("override_reason: ") == true)

      let reason = "وافق المدير المالي: عميل قديم"
      let manager = Caller(id: "key_manager", scopes: ["sales:write", Caller.creditOverrideScope])
      let confirmed = try await RequestContext.$caller.withValue(manager) {
        try await stack.orders.confirmOrder(Self.ref(second.number, override: reason))
      }
      #expect(confirmed.status == .confirmed)
      let recorded = try await stack.orders.getOrder(Self.ref(second.number)).creditOverride
      #expect(recorded.approvedBy == "key_manager")
      #expect(recorded.creditLimit == Erp_Common_V1_Money(150_00, "SAR"))
      #expect(recorded.exposure == Erp_Common_V1_Money(2 * Self.oneOrder, "SAR"))
      #expect(recorded.reason == reason)
      #expect(recorded.approvedAt.seconds > 0)
      #expect(confirmed.creditOverride == recorded)
      // The first order needed none.
      #expect(!(try await stack.orders.getOrder(Self.ref(first.number)).hasCreditOverride))
    }
  }

  @Test("two confirmations of one customer that together exceed the limit cannot both pass")
  func concurrentConfirmations() async throws {
    try await SalesStack.run { stack in
      try await Self.limit(stack, 150_00)
      var numbers: [String] = []
      for index in 0..<2 {
        numbers.append(
          try await stack.orders.createOrder(
            stack.orderRequest("cc-\(index)", [("TEA-1", 3_000, 30_00, 0)])
          ).number
        )
      }
      let outcomes = await withTaskGroup(of: RPCError.Code?.self) { group in
        for number in numbers {
          group.addTask {
            do {
              _ = try await stack.orders.confirmOrder(Self.ref(number))
              return nil
            } catch let error as RPCError {
              return error.code
            } catch {
              return .unknown
            }
          }
        }
        return await group.reduce(into: []) { $0.append($1) }
      }
      // Each alone fits (103.50 ≤ 150.00); together they do not: exactly one passes.
      #expect(outcomes.filter { $0 == nil }.count == 1)
      #expect(outcomes.filter { $0 == .failedPrecondition }.count == 1)
      var statuses: [Erp_Sales_V1_OrderStatus] = []
      for number in numbers {
        statuses.append(try await stack.orders.getOrder(Self.ref(number)).status)
      }
      #expect(statuses.sorted { $0.rawValue < $1.rawValue } == [.draft, .confirmed])
    }
  }

  @Test("a customer without a limit is not checked; its invoice takes the customer's terms")
  func noLimitAndTerms() async throws {
    try await SalesStack.run(invoiceOn: .confirmation) { stack in
      var terms = Erp_Finance_V1_PartyTerms()
      terms.direction = .receivable
      terms.partyID = stack.customerID
      terms.termsCode = "EOM"
      _ = try await stack.billing.setPartyTerms(terms)
      let order = try await stack.orders.createOrder(
        stack.orderRequest("nl-1", [("TEA-1", 9_000, 1_000_00, 0)])
      )
      let confirmed = try await stack.orders.confirmOrder(Self.ref(order.number))
      #expect(confirmed.status == .confirmed)
      #expect(!confirmed.hasCreditOverride)
      // Not checked: its confirmations take no credit lock (they do not queue on one another).
      let locks = try await stack.salesPool.tenantQuery(
        stack.tenant,
        "SELECT count(*)::bigint AS n FROM sales_credit_lock WHERE customer_id = $1",
        [stack.customerID]
      )
      #expect(try locks[0].decode("n", as: Int64.self) == 0)
      let number = try #require(confirmed.invoiceNumbers.first)
      var get = Erp_Finance_V1_GetInvoiceRequest()
      get.number = number
      let invoice = try await stack.billing.getInvoice(get)
      #expect(invoice.paymentTermsCode == "EOM")
      let issued = CalendarDate(
        year: Int(invoice.issueDate.year),
        month: Int(invoice.issueDate.month),
        day: 1
      )
      let lastDay = CalendarDate(
        year: issued.month == 12 ? issued.year + 1 : issued.year,
        month: issued.month == 12 ? 1 : issued.month + 1,
        day: 1
      ).adding(days: -1)
      #expect(invoice.dueDate == lastDay.proto)
    }
  }

  /// The customer's credit limit in SAR, in finance.
  static func limit(_ stack: SalesStack, _ minor: Int64) async throws {
    var terms = Erp_Finance_V1_PartyTerms()
    terms.direction = .receivable
    terms.partyID = stack.customerID
    terms.termsCode = "NET30"
    terms.creditLimit = Erp_Common_V1_Money(minor, "SAR")
    _ = try await stack.billing.setPartyTerms(terms)
  }

  static func ref(_ number: String, override reason: String? = nil) -> Erp_Sales_V1_OrderRef {
    var ref = Erp_Sales_V1_OrderRef()
    ref.number = number
    if let reason {
      ref.overrideCreditLimit = true
      ref.overrideReason = reason
    }
    return ref
  }
}

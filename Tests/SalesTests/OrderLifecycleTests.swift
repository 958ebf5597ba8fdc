import Testing

@testable import Sales

/// The order lifecycle, every (status, progress, event) triple against a table written out
/// here: each event's table must name every status exactly once (in some group), so a status,
/// a progress or an event added later fails this test until its outcomes are written down.
@Suite("Order lifecycle transitions")
struct OrderLifecycleTests {
  private static let same = OrderTransition.unchanged
  private static let go = OrderTransition.proceed
  private static let wait = OrderTransition.wait

  private static func to(
    _ status: OrderStatus,
    _ progress: OrderProgress = .idle
  )
    -> OrderTransition
  {
    .move(to: OrderState(status, progress))
  }

  private static func no(_ refusal: OrderRefusal) -> [OrderTransition] {
    [.refuse(refusal), .refuse(refusal), .refuse(refusal)]
  }

  /// Statuses grouped with their outcomes in the columns idle, confirming, cancelling.
  private typealias Rows = [([OrderStatus], [OrderTransition])]

  private static let shippedStatuses: [OrderStatus] = [.partlyShipped, .shipped, .invoiced, .paid]
  private static let all = OrderStatus.allCases

  /// A status the shipments decide moves to `target` (keeping its progress); the others stay.
  private static func settling(to target: OrderStatus) -> Rows {
    let decided: [OrderStatus] = [.confirmed, .partlyShipped, .shipped, .invoiced]
    return decided.map { status in
      (
        [status],
        status == target
          ? [same, same, same]
          : [
            to(target), to(target, .confirming), to(target, .cancelling),
          ]
      )
    } + [([.quotation, .converted, .draft, .paid, .cancelled], [same, same, same])]
  }

  private static let expected: [OrderEvent: Rows] = [
    .convert: [
      ([.quotation], [to(.converted), to(.converted, .confirming), to(.converted, .cancelling)]),
      ([.converted], [same, same, same]),
      ([.draft, .confirmed, .cancelled] + shippedStatuses, no(.notQuotation)),
    ],
    .confirm: [
      ([.quotation, .converted, .cancelled], no(.notDraft)),
      ([.draft], [to(.draft, .confirming), go, .refuse(.notDraft)]),
      ([.confirmed] + shippedStatuses, [same, same, same]),
    ],
    .reserved: all.map { ([$0], [same, to(.confirmed), same]) },
    .reservationRefused: all.map { ([$0], [same, to($0), same]) },
    .cancel: [
      ([.draft], [to(.cancelled), wait, .refuse(.goodsShipped)]),
      ([.confirmed], [to(.confirmed, .cancelling), wait, go]),
      ([.cancelled], [same, same, go]),
      (
        [.quotation, .converted] + shippedStatuses,
        [.refuse(.goodsShipped), wait, .refuse(.goodsShipped)]
      ),
    ],
    .released: all.map { ([$0], [same, same, to(.cancelled)]) },
    .ship: [
      ([.confirmed, .partlyShipped], [go, .refuse(.nothingToShip), .refuse(.nothingToShip)]),
      (
        [.quotation, .converted, .draft, .shipped, .invoiced, .paid, .cancelled], no(.nothingToShip)
      ),
    ],
    .returnGoods: [
      (shippedStatuses, [go, go, go]),
      ([.quotation, .converted, .draft, .confirmed, .cancelled], no(.nothingShipped)),
    ],
    .settle(.nothing): settling(to: .confirmed),
    .settle(.partly): settling(to: .partlyShipped),
    .settle(.shipped): settling(to: .shipped),
    .settle(.shippedAndInvoiced): settling(to: .invoiced),
    .paid: [
      ([.invoiced], [to(.paid), to(.paid, .confirming), to(.paid, .cancelling)]),
      (
        [.quotation, .converted, .draft, .confirmed, .partlyShipped, .shipped, .paid, .cancelled],
        [
          same, same, same,
        ]
      ),
    ],
  ]

  @Test("the table names every event, every status once, every progress")
  func tableIsComplete() {
    #expect(Set(Self.expected.keys) == Set(OrderEvent.allCases))
    #expect(OrderEvent.allCases.count == Set(OrderEvent.allCases).count)
    for (event, rows) in Self.expected {
      let named = rows.flatMap(\.0)
      #expect(named.count == Set(named).count, "\(event): a status is named twice")
      #expect(Set(named) == Set(OrderStatus.allCases), "\(event): a status is missing")
      for (statuses, outcomes) in rows {
        #expect(outcomes.count == OrderProgress.allCases.count, "\(event) \(statuses)")
      }
    }
  }

  @Test("every (status, progress, event) has the outcome the table gives")
  func everyTransition() {
    var checked = 0
    for event in OrderEvent.allCases {
      let rows = Self.expected[event] ?? []
      for status in OrderStatus.allCases {
        guard let outcomes = rows.first(where: { $0.0.contains(status) })?.1 else {
          Issue.record("\(event): no row for \(status)")
          continue
        }
        for (column, progress) in OrderProgress.allCases.enumerated() where column < outcomes.count
        {
          let state = OrderState(status, progress)
          #expect(
            OrderLifecycle.transition(state, event) == outcomes[column],
            "\(event) in \(status)/\(progress)"
          )
          checked += 1
        }
      }
    }
    #expect(
      checked == OrderEvent.allCases.count * OrderStatus.allCases.count
        * OrderProgress.allCases.count
    )
  }

  @Test("the stored strings are the schema's (the enums changed no row)")
  func rawValuesAreTheStoredStrings() {
    #expect(
      OrderStatus.allCases.map(\.rawValue) == [
        "quotation", "converted", "draft", "confirmed", "partly_shipped", "shipped", "invoiced",
        "paid", "cancelled",
      ]
    )
    #expect(OrderProgress.allCases.map(\.rawValue) == ["idle", "confirming", "cancelling"])
  }

  @Test("what the lines and documents say, for all sixteen combinations of the facts")
  func fulfilledFromFacts() {
    for bits in 0..<16 {
      let (allShipped, someShipped, allInvoiced, issued) =
        (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0)
      let expected: Fulfilled =
        allShipped && allInvoiced && issued
        ? .shippedAndInvoiced : allShipped ? .shipped : someShipped ? .partly : .nothing
      #expect(
        Fulfilled(
          allShipped: allShipped,
          someShipped: someShipped,
          allInvoiced: allInvoiced,
          issued: issued
        ) == expected,
        "facts \(bits)"
      )
    }
  }

  @Test("refusals name the order and its status")
  func refusalMessages() {
    #expect(
      OrderRefusal.nothingToShip.message(number: "SO-000001", status: .partlyShipped)
        == "number: SO-000001 is partly_shipped; nothing to ship"
    )
    #expect(
      OrderRefusal.notDraft.message(number: "SO-000002", status: .cancelled)
        == "number: SO-000002 is cancelled; only a draft is confirmed"
    )
    #expect(OrderRefusal.notQuotation.message(number: "SO-9", status: .draft).hasPrefix("number:"))
  }
}

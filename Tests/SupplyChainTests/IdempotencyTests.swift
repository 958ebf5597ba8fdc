import ERPProtos
import ERPTestSupport
import GRPCCore
import Testing

/// A request id returns the first answer: to a repeat, to every one of several concurrent first
/// attempts, and never to different content.
@Suite("Supply chain: one answer per request id")
struct SupplyChainIdempotencyTests {
  static func item(
    _ id: String,
    _ sku: String,
    cost: Int64 = 10_00
  )
    -> Erp_Supplychain_V1_CreateItemRequest
  {
    var request = Erp_Supplychain_V1_CreateItemRequest()
    request.requestID = id
    request.item.sku = sku
    request.item.name = "صنف \(sku)"
    request.item.standardCost = money(cost)
    return request
  }

  @Test("eight concurrent first attempts get one item and one stock move; other content refused")
  func createItemAndAdjust() async throws {
    try await SupplyHarness.run { clients in
      try await clients.warehouse("RUH")
      let item = Self.item("item-x", "X-1")
      let items = answers(await concurrently(8) { try await clients.catalog.createItem(item).sku })
      {
        $0
      }
      #expect(items == ["X-1": 8])
      let changed = await #expect(throws: RPCError.self) {
        try await clients.catalog.createItem(Self.item("item-x", "X-1", cost: 11_00))
      }
      #expect(changed?.code == .invalidArgument)

      var count = Erp_Supplychain_V1_AdjustStockRequest()
      count.requestID = "count-x"
      count.sku = "X-1"
      count.warehouseCode = "RUH"
      count.quantityMilli = 5_000
      count.unitCost = money(10_00)
      count.reason = "opening"
      let opening = count
      let moves = answers(await concurrently(8) { try await clients.stock.adjust(opening) }) {
        "\($0.id) \($0.onHandChangeMilli)"
      }
      #expect(theOneAnswer(moves, of: 8) != nil, "\(moves)")
      let again = try await clients.level("X-1", "RUH")?.onHandMilli
      #expect(again == 5_000)
      var more = count
      more.quantityMilli = 6_000
      let refused = await #expect(throws: RPCError.self) { try await clients.stock.adjust(more) }
      #expect(refused?.code == .invalidArgument)
    }
  }

  @Test("a warehouse takes a request id: concurrent attempts and repeats get the first answer")
  func createWarehouse() async throws {
    try await SupplyHarness.run { clients in
      var warehouse = Erp_Supplychain_V1_CreateWarehouseRequest()
      warehouse.requestID = "wh-1"
      warehouse.warehouse.code = "DMM"
      warehouse.warehouse.name = "مستودع الدمام"
      warehouse.warehouse.locations = ["C-01"]
      var moved = warehouse
      moved.warehouse.locations = ["C-02"]
      var other = warehouse
      other.requestID = "wh-2"
      let seen = await FirstAnswers.of(
        warehouse,
        changed: moved,
        taken: other,
        key: { "\($0.code) \($0.locations)" }
      ) { try await clients.catalog.createWarehouse($0) }
      #expect(
        seen
          == .init(
            concurrent: ["DMM [\"C-01\"]": 8],
            changed: .invalidArgument,
            taken: .alreadyExists
          )
      )
    }
  }
}

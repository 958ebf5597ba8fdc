import AsyncHTTPClient
import ERPStore
import ERPTestSupport
import Foundation
import NIOCore
import Testing

@testable import Gateway

/// The general ledger over the JSON door to a reader that stops reading: the door stops pulling
/// the stream (Hummingbird's writer waits on the socket, the door's pipes fill, the forwarder's
/// writes wait), instead of holding the rest of the stream in the gateway's memory.
@Suite("NDJSON streaming to a slow reader")
struct NDJSONBackPressureTests {
  /// 60,000 ledger lines: 120 pages of 500 and the ledger's last, empty one; about 9 MB of
  /// NDJSON.
  static let lines = 60_000
  static let pages = lines / 500 + 1

  @Test("a paused reader holds the door at a bounded number of pages; resumed, it gets them all")
  func pausedReader() async throws {
    try await GatewayHarness.run { gateway in
      let tenant = try await gateway.tenant("ndb")
      let key = try await gateway.key(tenant, scopes: ["finance:write"]).secret
      let json = try await JSONClient.of(gateway)
      _ = try await json.call(
        "/erp.finance.v1.Ledger/SetBaseCurrency",
        #"{"currencyCode":"KWD"}"#,
        key: key
      )
      // One balanced entry of many lines on account 1200, written straight to finance's tables
      // (posting them one by one would take minutes).
      try await gateway.system["finance"]!.pool.tenantQuery(
        try TenantID(validating: tenant),
        """
        WITH e AS (
          INSERT INTO journal_entry (number, request_id, content_hash, entry_date, memo)
          VALUES ('JE-BULK', 'bulk', 'bulk', '2026-03-01', 'حركة') RETURNING id)
        INSERT INTO journal_line (entry_id, line_no, account_id, entry_date, currency,
          amount_minor, base_amount_minor, rate)
        SELECT e.id, g, (SELECT id FROM account WHERE code = '1200'), '2026-03-01', 'KWD',
          CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END, CASE WHEN g % 2 = 0 THEN 1 ELSE -1 END, 1
        FROM e, generate_series(1, $1::int) g
        """,
        [Self.lines]
      )
      let door = try #require(gateway.system["gateway"]?.door(JSONDoor.self))
      let before = door.streamed.pulled

      var request = HTTPClientRequest(
        url: "http://127.0.0.1:\(json.port)/erp.finance.v1.Ledger/GeneralLedger"
      )
      request.method = .POST
      request.headers.add(name: "content-type", value: "application/json")
      request.headers.add(name: "authorization", value: "Bearer \(key)")
      request.body = .bytes(
        ByteBuffer(
          string:
            #"{"accountCode":"1200","from":{"year":2026,"month":1,"day":1},"to":{"year":2026,"month":12,"day":31}}"#
        )
      )
      let response = try await HTTPClient.shared.execute(request, timeout: .seconds(300))
      #expect(response.status.code == 200)
      var body = response.body.makeAsyncIterator()
      var received = ByteBuffer()
      // Read a little, then stop reading: the door's stream fills its pipe and waits.
      if var first = try await body.next() { received.writeBuffer(&first) }
      try await eventually("the door's stream waits for its reader", within: .seconds(120)) {
        door.streamed.waiting > 0
      }
      let pulled = door.streamed.pulled - before
      #expect(pulled < Self.pages / 2, "pulled \(pulled) of \(Self.pages) pages while paused")
      print("NDJSON back-pressure: \(pulled) of \(Self.pages) pages pulled while the reader paused")

      // Resumed, the reader gets every line, and the stream ends cleanly.
      while var chunk = try await body.next() { received.writeBuffer(&chunk) }
      let pages = String(buffer: received).split(separator: "\n")
      #expect(pages.count == Self.pages)
      #expect(!pages.contains { $0.hasPrefix("{\"error\"") })
      let total = try pages.reduce(0) { sum, page in
        let object = try JSONSerialization.jsonObject(with: Data(page.utf8)) as? [String: Any]
        return sum + ((object?["lines"] as? [Any])?.count ?? 0)
      }
      #expect(total == Self.lines)
      #expect(door.streamed.pulled - before == Self.pages)
    }
  }

  @Test("the pipe: a full pipe makes the writer wait; a reader gone fails it; the end is read")
  func pipe() async throws {
    let pipe = BoundedPipe<Int>(capacity: 2)
    try await pipe.write(1)
    try await pipe.write(2)
    #expect(pipe.isFull)
    let third = Task { try await pipe.write(3) }
    try await eventually("the third write waits") { pipe.buffered == 3 }
    #expect(try await pipe.next() == 1)
    try await third.value
    #expect(pipe.buffered == 2)
    pipe.finish()
    #expect(try await pipe.next() == 2)
    #expect(try await pipe.next() == 3)
    #expect(try await pipe.next() == nil)

    let gone = BoundedPipe<Int>(capacity: 1)
    try await gone.write(1)
    let waiting = Task { try await gone.write(2) }
    try await eventually("the second write waits") { gone.buffered == 2 }
    gone.readerGone()
    await #expect(throws: (any Error).self) { try await waiting.value }
    await #expect(throws: (any Error).self) { try await gone.write(3) }

    let failed = BoundedPipe<Int>(capacity: 1)
    let reader = Task { try await failed.next() }
    failed.finish(CancellationError())
    await #expect(throws: CancellationError.self) { _ = try await reader.value }
  }
}

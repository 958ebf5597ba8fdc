import NIOCore
import Testing

@testable import ERPTransport

/// Every transition of one stream's state, as (state, event) → (state, outcome) rows.
@Suite("Stream state")
struct StreamStateTests {
  enum Event: Sendable {
    case chunk(Int, end: Bool)
    case halfClose
    case windowUpdate(UInt32)
    case consumed(Int)
    case send(Int)
  }

  struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var given: StreamState
    var when: Event
    /// The state after, or nil when the event is a violation.
    var then: StreamState?
    var outcome: String
    var testDescription: String { self.name }
  }

  static func flow(
    send: Int = 100,
    receive: Int = 100,
    consumed: Int = 0,
    waiter: UInt64? = nil
  )
    -> StreamFlow
  {
    StreamFlow(
      sendWindow: send,
      receiveWindow: receive,
      consumedNotCredited: consumed,
      creditWaiter: waiter
    )
  }

  static let limits: ERPTransport.Limits = {
    var limits = ERPTransport.Limits()
    limits.maxMessageSize = 10
    limits.maxFrameSize = 8
    limits.initialWindowSize = 100
    return limits
  }()

  static func bytes(_ count: Int) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: count) }

  static let rows: [Row] = [
    Row(
      name: "a whole message is delivered and charged",
      given: .open(flow(), assembling: nil),
      when: .chunk(4, end: true),
      then: .open(flow(receive: 96), assembling: nil),
      outcome: "message(4)"
    ),
    Row(
      name: "a first chunk starts assembling",
      given: .open(flow(), assembling: nil),
      when: .chunk(4, end: false),
      then: .open(flow(), assembling: bytes(4)),
      outcome: "partial"
    ),
    Row(
      name: "the last chunk completes the message",
      given: .open(flow(), assembling: bytes(4)),
      when: .chunk(3, end: true),
      then: .open(flow(receive: 93), assembling: nil),
      outcome: "message(7)"
    ),
    Row(
      name: "a message past the limit fails the stream",
      given: .open(flow(), assembling: bytes(8)),
      when: .chunk(3, end: false),
      then: .open(flow(), assembling: nil),
      outcome: "tooLarge(11)"
    ),
    Row(
      name: "a chunk above the frame size is a violation",
      given: .open(flow(), assembling: nil),
      when: .chunk(9, end: true),
      then: nil,
      outcome: "frameSizeError"
    ),
    Row(
      name: "a message started without credit is a violation",
      given: .open(flow(receive: 0), assembling: nil),
      when: .chunk(1, end: true),
      then: nil,
      outcome: "flowControlError"
    ),
    Row(
      name: "a chunk continuing a message needs no credit",
      given: .open(flow(receive: 0), assembling: bytes(1)),
      when: .chunk(1, end: true),
      then: .open(flow(receive: -2), assembling: nil),
      outcome: "message(2)"
    ),
    Row(
      name: "a chunk after half-close is a violation",
      given: .remoteClosed(flow()),
      when: .chunk(1, end: true),
      then: nil,
      outcome: "protocolError"
    ),
    Row(
      name: "half-close between messages",
      given: .open(flow(), assembling: nil),
      when: .halfClose,
      then: .remoteClosed(flow()),
      outcome: "ok"
    ),
    Row(
      name: "half-close in the middle of a message is a violation",
      given: .open(flow(), assembling: bytes(1)),
      when: .halfClose,
      then: nil,
      outcome: "protocolError"
    ),
    Row(
      name: "a second half-close changes nothing",
      given: .remoteClosed(flow()),
      when: .halfClose,
      then: .remoteClosed(flow()),
      outcome: "ok"
    ),
    Row(
      name: "a window update adds credit",
      given: .open(flow(send: 5), assembling: nil),
      when: .windowUpdate(10),
      then: .open(flow(send: 15), assembling: nil),
      outcome: "nil"
    ),
    Row(
      name: "a window update that opens the window resumes the writer",
      given: .open(flow(send: -5, waiter: 3), assembling: nil),
      when: .windowUpdate(10),
      then: .open(flow(send: 5), assembling: nil),
      outcome: "3"
    ),
    Row(
      name: "a window update that leaves the window shut keeps the writer waiting",
      given: .remoteClosed(flow(send: -50, waiter: 3)),
      when: .windowUpdate(10),
      then: .remoteClosed(flow(send: -40, waiter: 3)),
      outcome: "nil"
    ),
    Row(
      name: "a window past 2^31-1 is a violation",
      given: .open(flow(), assembling: nil),
      when: .windowUpdate(UInt32(Int32.max)),
      then: nil,
      outcome: "flowControlError"
    ),
    Row(
      name: "consuming less than half a window returns no credit yet",
      given: .open(flow(), assembling: nil),
      when: .consumed(49),
      then: .open(flow(consumed: 49), assembling: nil),
      outcome: "nil"
    ),
    Row(
      name: "consuming half a window returns it all",
      given: .open(flow(consumed: 49), assembling: nil),
      when: .consumed(1),
      then: .open(flow(receive: 150), assembling: nil),
      outcome: "50"
    ),
    Row(
      name: "a message is charged whole while the window is positive",
      given: .open(flow(send: 1), assembling: nil),
      when: .send(30),
      then: .open(flow(send: -29), assembling: nil),
      outcome: "true"
    ),
    Row(
      name: "no message starts on a shut window",
      given: .open(flow(send: 0), assembling: nil),
      when: .send(1),
      then: .open(flow(send: 0), assembling: nil),
      outcome: "false"
    ),
  ]

  @Test("transition", arguments: Self.rows)
  func transition(_ row: Row) {
    var state = row.given
    let outcome: String
    do throws(ProtocolViolation) {
      switch row.when {
      case .chunk(let size, let end):
        switch try state.receiveChunk(
          Self.bytes(size),
          endsMessage: end,
          streamID: 1,
          limits: Self.limits
        ) {
        case .partial: outcome = "partial"
        case .message(let message): outcome = "message(\(message.readableBytes))"
        case .tooLarge(let size): outcome = "tooLarge(\(size))"
        }
      case .halfClose:
        try state.receiveHalfClose(streamID: 1)
        outcome = "ok"
      case .windowUpdate(let increment):
        outcome = (try state.receiveWindowUpdate(increment, streamID: 1)).map { "\($0)" } ?? "nil"
      case .consumed(let bytes):
        outcome =
          state.consumed(bytes, initialWindow: Self.limits.initialWindowSize).map { "\($0)" }
          ?? "nil"
      case .send(let size):
        outcome = "\(state.chargeSend(size))"
      }
    } catch {
      #expect(row.then == nil, "unexpected violation: \(error)")
      #expect("\(error.code)" == row.outcome)
      return
    }
    #expect(outcome == row.outcome)
    if let then = row.then {
      #expect(state == then)
    } else {
      Issue.record("expected a violation, got \(outcome)")
    }
  }
}

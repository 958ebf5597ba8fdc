import GRPCCore
import NIOCore
import Testing

@testable import ERPTransport

/// Every transition of the client connection machine, as (state, event) → (state, actions,
/// frames written, close) rows. Outcomes returned directly (a slot, a stream id) are listed
/// among the actions as `acquired`, `opened(1)` and so on.
@Suite("Client connection state machine")
struct ClientMachineTests {
  typealias Machine = ClientConnectionStateMachine<UInt32>

  enum Event: Sendable {
    case frame(Frame)
    case oversized(Frame, Int)
    /// A call takes a slot and opens its stream (the context is the stream id it expects).
    case call
    case acquire
    case enqueue(UInt64)
    case cancelWaiter(UInt64)
    case open
    case end(UInt32?)
    /// Opens stream 1 and ends it before any write pass ran.
    case openThenEnd
    case halfClose(UInt32)
    case keepalive
    case violation
    case inactive
  }

  struct Row: Sendable, CustomTestStringConvertible, TransitionRow {
    typealias Machine = ClientMachineTests.Machine
    var name: String
    var serverLimits = ERPTransport.Limits()
    var given: [Event] = []
    var when: Event
    var state: Machine.State
    var actions: [String] = []
    var frames: [String] = []
    var close: ConnectionCloseMode? = nil
    var slotsInUse: Int? = nil
    var testDescription: String { self.name }
  }

  static func apply(_ event: Event, to machine: inout Machine) -> [String] {
    let now = TestClock.start
    switch event {
    case .frame(let frame): return Describe.actions(machine.receive(frame, now: now))
    case .oversized(let frame, let length):
      return Describe.actions(machine.receive(frame, oversized: length, now: now))
    case .call:
      return Self.apply(.acquire, to: &machine) + Self.apply(.open, to: &machine)
    case .acquire: return ["\(machine.acquireSlot())"]
    case .enqueue(let waiter): return ["\(machine.enqueueSlotWaiter(waiter))"]
    case .cancelWaiter(let waiter): return ["cancelled \(machine.cancelSlotWaiter(waiter))"]
    case .open:
      let headers = FramePayloads.requestHeaders(path: "/test.Echo/Get", metadata: [:])
      let (result, actions) = machine.openStream(
        headers: headers,
        context: machine.nextStreamID,
        now: now
      )
      let outcome: String
      switch result {
      case .success(let id): outcome = "opened(\(id))"
      case .failure(let error): outcome = "refused(\(error.code))"
      }
      return [outcome] + Describe.actions(actions)
    case .openThenEnd: return Self.apply(.open, to: &machine) + Self.apply(.end(1), to: &machine)
    case .end(let id): return Describe.actions(machine.endStream(id, reason: "done", now: now))
    case .halfClose(let id): return Describe.actions(machine.halfClose(stream: id))
    case .keepalive: return Describe.actions(machine.keepaliveTimerFired(now: now))
    case .violation: return Describe.actions(machine.fail(ProtocolViolation(.protocolError, "t")))
    case .inactive: return Describe.actions(machine.channelInactive())
    }
  }

  static let oneStream: ERPTransport.Limits = {
    var limits = ERPTransport.Limits()
    limits.maxConcurrentStreams = 1
    return limits
  }()

  static let rows: [Row] = [
    // Calls and their streams.
    Row(
      name: "a call takes a slot and opens stream 1",
      when: .call,
      state: .active,
      actions: ["acquired", "opened(1)", "scheduleWrite"],
      frames: ["HEADERS(1)"],
      slotsInUse: 1
    ),
    Row(
      name: "stream ids increase by two",
      given: [.call],
      when: .call,
      state: .active,
      actions: ["acquired", "opened(3)", "scheduleWrite"],
      frames: ["HEADERS(3)"]
    ),
    Row(
      name: "calls beyond the server's streams wait",
      serverLimits: oneStream,
      given: [.call],
      when: .acquire,
      state: .active,
      actions: ["full"]
    ),
    Row(
      name: "a waiting call queues",
      serverLimits: oneStream,
      given: [.call],
      when: .enqueue(7),
      state: .active,
      actions: ["queued"]
    ),
    Row(
      name: "a call ending hands its slot to the first waiter",
      serverLimits: oneStream,
      given: [.call, .enqueue(7), .enqueue(8)],
      when: .end(1),
      state: .active,
      actions: ["finish(1)", "scheduleWrite", "resume(7)"],
      frames: ["RST_STREAM(1 cancelled)"],
      slotsInUse: 1
    ),
    Row(
      name: "a cancelled waiter leaves the queue",
      serverLimits: oneStream,
      given: [.call, .enqueue(7)],
      when: .cancelWaiter(7),
      state: .active,
      actions: ["cancelled true"]
    ),
    Row(
      name: "a call that never opened frees its slot without a reset",
      given: [.acquire],
      when: .end(nil),
      state: .active,
      slotsInUse: 0
    ),
    Row(
      name: "a stream whose HEADERS never left is not reset",
      given: [.acquire],
      when: .openThenEnd,
      state: .active,
      actions: ["opened(1)", "scheduleWrite", "finish(1)"],
      slotsInUse: 0
    ),
    Row(
      name: "metadata over the server's limit is refused before sending",
      serverLimits: {
        var limits = ERPTransport.Limits(); limits.maxMetadataSize = 4; return limits
      }(),
      given: [.acquire],
      when: .open,
      state: .active,
      actions: ["refused(resourceExhausted)"]
    ),
    Row(
      name: "HALF_CLOSE is queued on an open stream",
      given: [.call],
      when: .halfClose(1),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["HALF_CLOSE(1)"]
    ),
    Row(
      name: "HALF_CLOSE after the stream ended is dropped",
      given: [.call, .frame(TestFrame.trailers(1))],
      when: .halfClose(1),
      state: .active
    ),
    // The server's frames.
    Row(
      name: "response HEADERS deliver metadata",
      given: [.call],
      when: .frame(TestFrame.responseHeaders(1)),
      state: .active,
      actions: ["deliverMetadata(1)"]
    ),
    Row(
      name: "malformed response HEADERS fail that call INTERNAL",
      given: [.call],
      when: .frame(TestFrame.truncated(.headers, 1)),
      state: .active,
      actions: ["deliverStatus(1 internalError)", "scheduleWrite"],
      frames: ["RST_STREAM(1 cancelled)"]
    ),
    Row(
      name: "a MESSAGE is delivered",
      given: [.call],
      when: .frame(TestFrame.message(1, 5)),
      state: .active,
      actions: ["deliverMessage(1 5)"]
    ),
    Row(
      name: "TRAILERS end the call with their status",
      given: [.call],
      when: .frame(TestFrame.trailers(1, .notFound)),
      state: .active,
      actions: ["deliverStatus(1 notFound)"],
      slotsInUse: 1
    ),
    Row(
      name: "malformed TRAILERS fail that call INTERNAL",
      given: [.call],
      when: .frame(TestFrame.truncated(.trailers, 1)),
      state: .active,
      actions: ["deliverStatus(1 internalError)", "scheduleWrite"],
      frames: ["RST_STREAM(1 cancelled)"]
    ),
    Row(
      name: "oversized TRAILERS fail that call RESOURCE_EXHAUSTED",
      given: [.call],
      when: .oversized(TestFrame.trailers(1), 99_999),
      state: .active,
      actions: ["deliverStatus(1 resourceExhausted)", "scheduleWrite"],
      frames: ["RST_STREAM(1 cancelled)"]
    ),
    Row(
      name: "the server's RST_STREAM ends the call with its status",
      given: [.call],
      when: .frame(TestFrame.reset(1, .unavailable)),
      state: .active,
      actions: ["deliverStatus(1 unavailable)"]
    ),
    Row(
      name: "HALF_CLOSE from a server is a violation that fails every call",
      given: [.call],
      when: .frame(TestFrame.halfClose(1)),
      state: .failed,
      actions: ["abort(1 unavailable)", "goingAway", "scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a frame for a stream never opened is a violation",
      when: .frame(TestFrame.message(3, 1)),
      state: .failed,
      actions: ["goingAway", "scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a frame for a stream that ended is ignored",
      given: [.call, .frame(TestFrame.trailers(1))],
      when: .frame(TestFrame.message(1, 1)),
      state: .active
    ),
    Row(
      name: "a PING is answered",
      when: .frame(TestFrame.ping()),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["PING(ack)"]
    ),
    // GOAWAY.
    Row(
      name: "GOAWAY refuses the streams the server never saw and keeps the others",
      given: [.call, .call],
      when: .frame(TestFrame.goAway(last: 1)),
      state: .draining(lastStreamID: 1, deferredPing: nil),
      actions: ["abort(3 unavailable)", "goingAway"],
      slotsInUse: 2
    ),
    Row(
      name: "GOAWAY moves waiting calls to another connection",
      serverLimits: oneStream,
      given: [.call, .enqueue(7)],
      when: .frame(TestFrame.goAway(last: 1)),
      state: .draining(lastStreamID: 1, deferredPing: nil),
      actions: ["failWaiter(7 unusable)", "goingAway"]
    ),
    Row(
      name: "GOAWAY with no call closes",
      when: .frame(TestFrame.goAway(last: 0)),
      state: .draining(lastStreamID: 0, deferredPing: nil),
      actions: ["goingAway", "scheduleWrite"],
      close: .graceful
    ),
    Row(
      name: "a GOAWAY error closes even with calls",
      given: [.call],
      when: .frame(TestFrame.goAway(last: 1, .internalError)),
      state: .draining(lastStreamID: 1, deferredPing: nil),
      actions: ["goingAway", "scheduleWrite"],
      close: .graceful
    ),
    Row(
      name: "a draining connection takes no new call",
      given: [.frame(TestFrame.goAway(last: 9))],
      when: .acquire,
      state: .draining(lastStreamID: 9, deferredPing: nil),
      actions: ["refused"],
      close: .graceful
    ),
    Row(
      name: "a call holding a slot still opens during the first phase of a drain",
      given: [.acquire, .frame(TestFrame.goAway(last: UInt32(Int32.max)))],
      when: .open,
      state: .draining(lastStreamID: UInt32(Int32.max), deferredPing: nil),
      actions: ["opened(1)", "scheduleWrite"],
      frames: ["HEADERS(1)"]
    ),
    Row(
      name: "a call beyond the GOAWAY's last stream is refused UNAVAILABLE",
      given: [.acquire, .frame(TestFrame.goAway(last: 0))],
      when: .open,
      state: .draining(lastStreamID: 0, deferredPing: nil),
      actions: ["refused(unavailable)"]
    ),
    Row(
      name: "a PING while a call is still to open is answered after its HEADERS",
      given: [.acquire, .frame(TestFrame.goAway(last: UInt32(Int32.max)))],
      when: .frame(TestFrame.ping()),
      state: .draining(
        lastStreamID: UInt32(Int32.max),
        deferredPing: ByteBuffer(string: "12345678")
      )
    ),
    Row(
      name: "the deferred PING answer follows the HEADERS",
      given: [
        .acquire, .frame(TestFrame.goAway(last: UInt32(Int32.max))), .frame(TestFrame.ping()),
      ],
      when: .open,
      state: .draining(lastStreamID: UInt32(Int32.max), deferredPing: nil),
      actions: ["opened(1)", "scheduleWrite"],
      frames: ["HEADERS(1)", "PING(ack)"]
    ),
    Row(
      name: "the last call ending closes a draining connection",
      given: [.call, .frame(TestFrame.goAway(last: 1))],
      when: .end(1),
      state: .draining(lastStreamID: 1, deferredPing: nil),
      actions: ["finish(1)", "scheduleWrite"],
      frames: ["RST_STREAM(1 cancelled)"],
      close: .graceful
    ),
    // Keepalive, failure, loss.
    Row(
      name: "keepalive sends a PING",
      when: .keepalive,
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["PING"]
    ),
    Row(
      name: "a PING unanswered by the next keepalive closes the socket",
      given: [.keepalive],
      when: .keepalive,
      state: .active,
      actions: ["closeChannel"]
    ),
    Row(
      name: "an answered PING lets keepalive ping again",
      given: [.keepalive, .frame(TestFrame.ping(ack: true))],
      when: .keepalive,
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["PING"]
    ),
    Row(
      name: "a violation fails calls and waiters at once",
      serverLimits: oneStream,
      given: [.call, .enqueue(7)],
      when: .violation,
      state: .failed,
      actions: ["abort(1 unavailable)", "failWaiter(7 unusable)", "goingAway", "scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a failed connection takes no call",
      given: [.violation],
      when: .acquire,
      state: .failed,
      actions: ["refused"],
      close: .afterViolation
    ),
    Row(
      name: "losing the socket fails calls and waiters UNAVAILABLE",
      serverLimits: oneStream,
      given: [.call, .enqueue(7)],
      when: .inactive,
      state: .closed,
      actions: ["abort(1 unavailable)", "failWaiter(7 unavailable)", "closed"]
    ),
    Row(
      name: "keepalive after the close does nothing",
      given: [.inactive],
      when: .keepalive,
      state: .closed
    ),
  ]

  @Test("transition", arguments: Self.rows)
  func transition(_ row: Row) {
    var machine = Machine(limits: .init(), peer: "peer", now: TestClock.start)
    _ = machine.core.start()
    _ = machine.receive(TestFrame.settings(row.serverLimits), now: TestClock.start)
    row.run(on: &machine, apply: Self.apply)
    if let slots = row.slotsInUse { #expect(machine.slotsInUse == slots) }
  }

  @Test("the first frame must be SETTINGS")
  func settingsFirst() {
    var machine = Machine(limits: .init(), peer: "peer", now: TestClock.start)
    let actions = machine.receive(TestFrame.ping(), now: TestClock.start)
    #expect(machine.state == .failed)
    #expect(Describe.actions(actions) == ["goingAway", "scheduleWrite"])
    #expect(Describe.written(&machine.core) == ["GOAWAY(0 protocolError)"])
  }
}

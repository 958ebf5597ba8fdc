import GRPCCore
import NIOCore
import Testing

@testable import ERPTransport

/// Every transition of the server connection machine, as (state, event) → (state, actions,
/// frames written, close) rows. No socket: frames go in, actions and queued frames come out.
@Suite("Server connection state machine")
struct ServerMachineTests {
  typealias Machine = ServerConnectionStateMachine<UInt32>

  enum Event: Sendable {
    case frame(Frame)
    case oversized(Frame, Int)
    case beginDrain
    case drainTimer
    case handshakeTimer
    /// The idle timer with this timeout fires `after` the start.
    case idleTimer(timeout: TimeAmount, after: TimeAmount)
    case endStream(UInt32, Status.Code, after: TimeAmount = .zero)
    /// The handler sends a message of this many bytes, then its status, before any write pass.
    case sendThenEnd(UInt32, Int)
    case deadline(UInt32)
    case cancelAll
    case violation
    case inactive
  }

  struct Row: Sendable, CustomTestStringConvertible, TransitionRow {
    typealias Machine = ServerMachineTests.Machine
    var name: String
    var limits = ERPTransport.Limits()
    /// Whether the client's SETTINGS arrived before `given`.
    var handshaken = true
    var given: [Event] = []
    var when: Event
    var state: Machine.State
    var actions: [String] = []
    var frames: [String] = []
    var close: ConnectionCloseMode? = nil
    var openStreams: Int? = nil
    var testDescription: String { self.name }
  }

  static func apply(_ event: Event, to machine: inout Machine) -> [ConnectionAction<UInt32>] {
    let now = TestClock.start
    switch event {
    case .frame(let frame): return machine.receive(frame, now: now, makeContext: { $0 })
    case .oversized(let frame, let length):
      return machine.receive(frame, oversized: length, now: now, makeContext: { $0 })
    case .beginDrain: return machine.beginDraining(reason: "test")
    case .drainTimer: return machine.drainTimerFired()
    case .handshakeTimer: return machine.handshakeTimerFired()
    case .idleTimer(let timeout, let after):
      return machine.idleTimerFired(timeout: timeout, now: now + after)
    case .endStream(let id, let code, let after):
      return machine.endStream(id, status: Status(code: code, message: "m"), now: now + after)
    case .sendThenEnd(let id, let size):
      var actions: [ConnectionAction<UInt32>] = []
      _ = machine.core.sendMessage(ByteBuffer(repeating: 1, count: size), onStream: id, &actions)
      return actions + machine.endStream(id, status: Status(code: .ok, message: ""), now: now)
    case .deadline(let id): return machine.deadlinePassed(onStream: id, now: now)
    case .cancelAll: return machine.cancelAllStreams(reason: "grace period over", now: now)
    case .violation: return machine.fail(ProtocolViolation(.protocolError, "test"))
    case .inactive: return machine.channelInactive()
    }
  }

  static let timeout: Metadata = ["grpc-timeout": "100m"]

  static let rows: [Row] = [
    // Handshake.
    Row(
      name: "SETTINGS first makes the connection ready",
      handshaken: false,
      when: .frame(TestFrame.settings()),
      state: .active,
      actions: ["ready"]
    ),
    Row(
      name: "any frame before SETTINGS is a violation",
      handshaken: false,
      when: .frame(TestFrame.headers(1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "no SETTINGS by the handshake timer fails the connection",
      handshaken: false,
      when: .handshakeTimer,
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "the handshake timer after SETTINGS does nothing",
      when: .handshakeTimer,
      state: .active
    ),
    Row(
      name: "malformed SETTINGS is a violation",
      when: .frame(TestFrame.truncated(.settings, 0)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    // Opening streams.
    Row(
      name: "HEADERS opens a stream",
      when: .frame(TestFrame.headers(1)),
      state: .active,
      actions: ["accept(1 Get)"],
      openStreams: 1
    ),
    Row(
      name: "HEADERS with grpc-timeout carries a deadline",
      when: .frame(TestFrame.headers(1, metadata: timeout)),
      state: .active,
      actions: ["accept(1 Get deadline)"]
    ),
    Row(
      name: "an even stream id is a violation",
      when: .frame(TestFrame.headers(2)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a reused stream id is a violation",
      given: [.frame(TestFrame.headers(3))],
      when: .frame(TestFrame.headers(1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(3 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "HEADERS on stream 0 is a violation",
      when: .frame(TestFrame.headers(0)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a malformed path is refused UNIMPLEMENTED",
      when: .frame(TestFrame.headers(1, path: "nonsense")),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["TRAILERS(1 unimplemented)"],
      openStreams: 0
    ),
    Row(
      name: "a malformed grpc-timeout is refused",
      when: .frame(TestFrame.headers(1, metadata: ["grpc-timeout": "soon"])),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["TRAILERS(1 invalidArgument)"],
      openStreams: 0
    ),
    Row(
      name: "a stream over the concurrency limit is refused RESOURCE_EXHAUSTED",
      limits: {
        var limits = ERPTransport.Limits(); limits.maxConcurrentStreams = 1; return limits
      }(),
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.headers(3)),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["TRAILERS(3 resourceExhausted)"],
      openStreams: 1
    ),
    Row(
      name: "oversized HEADERS refuse that stream alone",
      when: .oversized(TestFrame.headers(1), 99_999),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["TRAILERS(1 resourceExhausted)"]
    ),
    Row(
      name: "oversized TRAILERS from a client are a violation",
      given: [.frame(TestFrame.headers(1))],
      when: .oversized(TestFrame.trailers(1), 99_999),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 protocolError)"],
      close: .afterViolation
    ),
    // Messages.
    Row(
      name: "a whole MESSAGE is delivered",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.message(1, 3)),
      state: .active,
      actions: ["deliverMessage(1 3)"]
    ),
    Row(
      name: "a MESSAGE chunk waits for the rest",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.message(1, 3, end: false)),
      state: .active
    ),
    Row(
      name: "chunks are reassembled",
      given: [.frame(TestFrame.headers(1)), .frame(TestFrame.message(1, 3, end: false))],
      when: .frame(TestFrame.message(1, 4)),
      state: .active,
      actions: ["deliverMessage(1 7)"]
    ),
    Row(
      name: "a message over the limit fails that stream alone",
      limits: {
        var limits = ERPTransport.Limits(); limits.maxMessageSize = 4; return limits
      }(),
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.message(1, 5)),
      state: .active,
      actions: ["scheduleWrite", "abort(1 resourceExhausted)"],
      frames: ["TRAILERS(1 resourceExhausted)"],
      openStreams: 0
    ),
    Row(
      name: "a MESSAGE above the frame size is a violation",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.message(1, 16 * 1024 + 1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 frameSizeError)"],
      close: .afterViolation
    ),
    Row(
      name: "a MESSAGE on a stream never opened is a violation",
      when: .frame(TestFrame.message(5, 1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a MESSAGE on a stream that ended is ignored",
      given: [.frame(TestFrame.headers(1)), .endStream(1, .ok)],
      when: .frame(TestFrame.message(1, 1)),
      state: .active
    ),
    Row(
      name: "a message without credit is a violation",
      limits: {
        var limits = ERPTransport.Limits(); limits.initialWindowSize = 2; return limits
      }(),
      given: [.frame(TestFrame.headers(1)), .frame(TestFrame.message(1, 3))],
      when: .frame(TestFrame.message(1, 1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 flowControlError)"],
      close: .afterViolation
    ),
    // Half-close, reset, window updates.
    Row(
      name: "HALF_CLOSE ends the request stream",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.halfClose(1)),
      state: .active,
      actions: ["finish(1)"],
      openStreams: 1
    ),
    Row(
      name: "a MESSAGE after HALF_CLOSE is a violation",
      given: [.frame(TestFrame.headers(1)), .frame(TestFrame.halfClose(1))],
      when: .frame(TestFrame.message(1, 1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "HALF_CLOSE in the middle of a message is a violation",
      given: [.frame(TestFrame.headers(1)), .frame(TestFrame.message(1, 1, end: false))],
      when: .frame(TestFrame.halfClose(1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "RST_STREAM cancels the handler",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.reset(1)),
      state: .active,
      actions: ["abort(1 cancelled)"],
      openStreams: 0
    ),
    Row(
      name: "TRAILERS from a client are a violation",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.trailers(1)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "a window overflow is a violation",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.windowUpdate(1, UInt32(Int32.max))),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 flowControlError)"],
      close: .afterViolation
    ),
    Row(
      name: "a window update for an ended stream is ignored",
      given: [.frame(TestFrame.headers(1)), .endStream(1, .ok)],
      when: .frame(TestFrame.windowUpdate(1, 10)),
      state: .active
    ),
    Row(
      name: "an unknown frame kind is ignored",
      when: .frame(TestFrame.unknown()),
      state: .active
    ),
    // PING and GOAWAY.
    Row(
      name: "a PING is answered",
      when: .frame(TestFrame.ping()),
      state: .active,
      actions: ["scheduleWrite"],
      frames: ["PING(ack)"]
    ),
    Row(
      name: "a PING of the wrong size is a violation",
      when: .frame(TestFrame.truncated(.ping, 0)),
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "the client's GOAWAY with no stream closes",
      when: .frame(TestFrame.goAway(last: 0)),
      state: .peerGoingAway,
      actions: ["scheduleWrite"],
      close: .graceful
    ),
    Row(
      name: "the client's GOAWAY with a stream open waits for it",
      given: [.frame(TestFrame.headers(1))],
      when: .frame(TestFrame.goAway(last: 0)),
      state: .peerGoingAway
    ),
    // Draining.
    Row(
      name: "a drain begins with GOAWAY(2^31-1) and a PING",
      when: .beginDrain,
      state: .draining(acknowledged: false),
      actions: ["scheduleWrite", "scheduleDrainTimer"],
      frames: ["GOAWAY(2147483647 noError)", "PING DRAINING"]
    ),
    Row(
      name: "the drain PING's answer sends the real last stream and closes when idle",
      given: [.frame(TestFrame.headers(1)), .endStream(1, .ok), .beginDrain],
      when: .frame(TestFrame.ping(ack: true, Array("DRAINING".utf8))),
      state: .draining(acknowledged: true),
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 noError)"],
      close: .graceful
    ),
    Row(
      name: "another PING answer does not end the first phase",
      given: [.beginDrain],
      when: .frame(TestFrame.ping(ack: true)),
      state: .draining(acknowledged: false)
    ),
    Row(
      name: "the drain timer stands in for a PING answer",
      given: [.beginDrain],
      when: .drainTimer,
      state: .draining(acknowledged: true),
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(0 noError)"],
      close: .graceful
    ),
    Row(
      name: "streams opened during the first phase are served",
      given: [.beginDrain],
      when: .frame(TestFrame.headers(1)),
      state: .draining(acknowledged: false),
      actions: ["accept(1 Get)"]
    ),
    Row(
      name: "streams after the second phase are refused UNAVAILABLE",
      given: [.frame(TestFrame.headers(1)), .beginDrain, .drainTimer],
      when: .frame(TestFrame.headers(3)),
      state: .draining(acknowledged: true),
      actions: ["scheduleWrite"],
      frames: ["TRAILERS(3 unavailable)"]
    ),
    Row(
      name: "the last stream ending closes a drained connection",
      given: [.frame(TestFrame.headers(1)), .beginDrain, .drainTimer],
      when: .endStream(1, .ok),
      state: .draining(acknowledged: true),
      actions: ["scheduleWrite", "finish(1)"],
      frames: ["TRAILERS(1 ok)"],
      close: .graceful
    ),
    Row(
      name: "a second drain does nothing",
      given: [.beginDrain],
      when: .beginDrain,
      state: .draining(acknowledged: false)
    ),
    Row(
      name: "the idle timer drains a connection idle for the timeout",
      when: .idleTimer(timeout: .milliseconds(100), after: .milliseconds(100)),
      state: .draining(acknowledged: false),
      actions: ["scheduleWrite", "scheduleDrainTimer"],
      frames: ["GOAWAY(2147483647 noError)", "PING DRAINING"]
    ),
    Row(
      name: "the idle timer spares a connection idle for less",
      when: .idleTimer(timeout: .milliseconds(100), after: .milliseconds(99)),
      state: .active
    ),
    Row(
      name: "the idle timer spares a connection with a stream open",
      given: [.frame(TestFrame.headers(1))],
      when: .idleTimer(timeout: .milliseconds(100), after: .seconds(10)),
      state: .active
    ),
    Row(
      name: "idleness counts from the last stream's end",
      given: [.frame(TestFrame.headers(1)), .endStream(1, .ok, after: .milliseconds(50))],
      when: .idleTimer(timeout: .milliseconds(100), after: .milliseconds(120)),
      state: .active
    ),
    // Ending streams, deadlines.
    Row(
      name: "the handler's status ends the stream",
      given: [.frame(TestFrame.headers(1))],
      when: .endStream(1, .ok),
      state: .active,
      actions: ["scheduleWrite", "finish(1)"],
      frames: ["TRAILERS(1 ok)"],
      openStreams: 0
    ),
    Row(
      name: "the status goes out after the messages the handler queued",
      given: [.frame(TestFrame.headers(1))],
      when: .sendThenEnd(1, 3),
      state: .active,
      actions: ["scheduleWrite", "finish(1)"],
      frames: ["MESSAGE(1 3 end)", "TRAILERS(1 ok)"]
    ),
    Row(
      name: "a stream ends once only",
      given: [.frame(TestFrame.headers(1)), .endStream(1, .ok)],
      when: .endStream(1, .internalError),
      state: .active
    ),
    Row(
      name: "the deadline ends the call DEADLINE_EXCEEDED and cancels the handler",
      given: [.frame(TestFrame.headers(1, metadata: timeout))],
      when: .deadline(1),
      state: .active,
      actions: ["scheduleWrite", "abort(1 deadlineExceeded)"],
      frames: ["TRAILERS(1 deadlineExceeded)"],
      openStreams: 0
    ),
    Row(
      name: "an error after the deadline is reported as DEADLINE_EXCEEDED",
      given: [.frame(TestFrame.headers(1, metadata: timeout))],
      when: .endStream(1, .cancelled, after: .milliseconds(100)),
      state: .active,
      actions: ["scheduleWrite", "finish(1)"],
      frames: ["TRAILERS(1 deadlineExceeded)"]
    ),
    Row(
      name: "an error before the deadline keeps its code",
      given: [.frame(TestFrame.headers(1, metadata: timeout))],
      when: .endStream(1, .cancelled, after: .milliseconds(99)),
      state: .active,
      actions: ["scheduleWrite", "finish(1)"],
      frames: ["TRAILERS(1 cancelled)"]
    ),
    Row(
      name: "the end of the grace period cancels every handler and closes",
      given: [.frame(TestFrame.headers(1)), .beginDrain],
      when: .cancelAll,
      state: .draining(acknowledged: false),
      actions: ["scheduleWrite", "abort(1 unavailable)"],
      frames: ["TRAILERS(1 unavailable)"],
      close: .graceful,
      openStreams: 0
    ),
    // Failure and loss.
    Row(
      name: "a decoder violation answers GOAWAY with the last stream",
      given: [.frame(TestFrame.headers(1))],
      when: .violation,
      state: .failed,
      actions: ["scheduleWrite"],
      frames: ["GOAWAY(1 protocolError)"],
      close: .afterViolation
    ),
    Row(
      name: "frames after a violation are ignored",
      given: [.violation],
      when: .frame(TestFrame.headers(1)),
      state: .failed,
      close: .afterViolation
    ),
    Row(
      name: "a failed connection does not drain",
      given: [.violation],
      when: .beginDrain,
      state: .failed,
      close: .afterViolation
    ),
    Row(
      name: "losing the socket cancels every handler",
      given: [.frame(TestFrame.headers(1))],
      when: .inactive,
      state: .closed,
      actions: ["abort(1 unavailable)", "closed"],
      openStreams: 0
    ),
    Row(name: "the socket closes once", given: [.inactive], when: .inactive, state: .closed),
  ]

  @Test("transition", arguments: Self.rows)
  func transition(_ row: Row) {
    var machine = Machine(limits: row.limits, peer: "peer", now: TestClock.start)
    _ = machine.core.start()
    if row.handshaken {
      _ = machine.receive(TestFrame.settings(), now: TestClock.start, makeContext: { $0 })
    }
    row.run(on: &machine) { event, machine in Describe.actions(Self.apply(event, to: &machine)) }
    if let open = row.openStreams { #expect(machine.core.streams.count == open) }
  }
}

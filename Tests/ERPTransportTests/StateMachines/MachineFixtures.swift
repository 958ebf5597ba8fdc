import GRPCCore
import NIOCore
import Testing

@testable import ERPTransport

/// Frames as a peer would send them, for driving the state machines without a socket.
enum TestFrame {
  static func settings(_ limits: ERPTransport.Limits = .init()) -> Frame {
    Frame(type: .settings, streamID: 0, payload: limits.settings.encode())
  }

  static func headers(
    _ id: UInt32,
    path: String = "/test.Echo/Get",
    metadata: Metadata = [:]
  )
    -> Frame
  {
    Frame(
      type: .headers,
      streamID: id,
      payload: FramePayloads.requestHeaders(path: path, metadata: metadata)
    )
  }

  static func responseHeaders(_ id: UInt32) -> Frame {
    Frame(type: .headers, streamID: id, payload: FramePayloads.responseHeaders(metadata: [:]))
  }

  static func message(_ id: UInt32, _ size: Int, end: Bool = true) -> Frame {
    Frame(
      type: .message,
      flags: end ? FrameFlags.endMessage : 0,
      streamID: id,
      payload: ByteBuffer(repeating: 0x61, count: size)
    )
  }

  static func halfClose(_ id: UInt32) -> Frame {
    Frame(type: .halfClose, streamID: id, payload: ByteBuffer())
  }

  static func trailers(_ id: UInt32, _ code: Status.Code = .ok) -> Frame {
    Frame(
      type: .trailers,
      streamID: id,
      payload: FramePayloads.status(Status(code: code, message: ""))
    )
  }

  static func reset(_ id: UInt32, _ code: Status.Code = .cancelled) -> Frame {
    Frame(
      type: .rstStream,
      streamID: id,
      payload: FramePayloads.status(Status(code: code, message: "x"))
    )
  }

  static func windowUpdate(_ id: UInt32, _ increment: UInt32) -> Frame {
    Frame(type: .windowUpdate, streamID: id, payload: FramePayloads.windowUpdate(increment))
  }

  static func ping(ack: Bool = false, _ payload: [UInt8] = Array("12345678".utf8)) -> Frame {
    Frame(
      type: .ping,
      flags: ack ? FrameFlags.ack : 0,
      streamID: 0,
      payload: ByteBuffer(bytes: payload)
    )
  }

  static func goAway(last: UInt32, _ code: GoAwayCode = .noError) -> Frame {
    .goAway(lastStreamID: last, code: code, reason: "test")
  }

  static func unknown() -> Frame {
    Frame(typeByte: 0x7f, flags: 0, streamID: 1, payload: ByteBuffer())
  }

  /// A frame whose payload is garbage (too short for its kind).
  static func truncated(_ type: FrameType, _ id: UInt32) -> Frame {
    Frame(type: type, streamID: id, payload: ByteBuffer(bytes: [1]))
  }
}

/// Short, comparable descriptions of actions and frames, so a table row can say what it expects.
enum Describe {
  static func actions<Context>(_ actions: [ConnectionAction<Context>]) -> [String] {
    actions.map { action in
      switch action {
      case .writePreface: "writePreface"
      case .scheduleWrite: "scheduleWrite"
      case .ready: "ready"
      case .goingAway: "goingAway"
      case .accept(let accepted):
        "accept(\(accepted.id) \(accepted.descriptor.method)\(accepted.deadline == nil ? "" : " deadline"))"
      case .deliverMessage(let context, let message):
        "deliverMessage(\(context) \(message.readableBytes))"
      case .deliverMetadata(let context, _): "deliverMetadata(\(context))"
      case .deliverStatus(let context, let status, _): "deliverStatus(\(context) \(status.code))"
      case .finish(let context): "finish(\(context))"
      case .abort(let context, let error): "abort(\(context) \(error.code))"
      case .resume(let waiter): "resume(\(waiter))"
      case .failWaiter(let waiter, .connectionUnusable): "failWaiter(\(waiter) unusable)"
      case .failWaiter(let waiter, .error(let code, _)): "failWaiter(\(waiter) \(code))"
      case .scheduleDrainTimer: "scheduleDrainTimer"
      case .closeChannel: "closeChannel"
      case .closed: "closed"
      }
    }
  }

  static func frame(_ frame: Frame) -> String {
    let id = frame.streamID
    switch frame.type {
    case .settings?: return "SETTINGS"
    case .headers?: return "HEADERS(\(id))"
    case .message?:
      let end = frame.flags & FrameFlags.endMessage != 0 ? " end" : ""
      return "MESSAGE(\(id) \(frame.payload.readableBytes)\(end))"
    case .halfClose?: return "HALF_CLOSE(\(id))"
    case .trailers?, .rstStream?:
      let code = (try? FramePayloads.parseStatus(frame.payload).0.code).map { "\($0)" } ?? "?"
      return "\(frame.type == .trailers ? "TRAILERS" : "RST_STREAM")(\(id) \(code))"
    case .windowUpdate?:
      return "WINDOW_UPDATE(\(id) \((try? FramePayloads.parseWindowUpdate(frame.payload)) ?? 0))"
    case .ping?:
      let text = String(decoding: frame.payload.readableBytesView, as: UTF8.self)
      let shown = text == "DRAINING" ? " DRAINING" : ""
      return frame.flags & FrameFlags.ack != 0 ? "PING(ack\(shown))" : "PING\(shown)"
    case .goAway?:
      guard let goAway = try? FramePayloads.parseGoAway(frame.payload) else { return "GOAWAY(?)" }
      let code = GoAwayCode(rawValue: goAway.code).map { "\($0)" } ?? "\(goAway.code)"
      return "GOAWAY(\(goAway.lastStreamID) \(code))"
    case nil: return "UNKNOWN"
    }
  }

  /// Takes every queued frame (as one write pass would) and describes them.
  static func written<Context>(_ core: inout ConnectionCore<Context>) -> [String] {
    var frames: [String] = []
    while let frame = core.outbound.next() { frames.append(Self.frame(frame)) }
    core.writeScheduled = false
    return frames
  }
}

/// A fixed clock for the machines: every row runs at `start` unless it says otherwise.
enum TestClock {
  static let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
}

/// A connection machine a transition table drives: its state, and the core whose queued frames
/// and close mode the rows check. Stream contexts are plain stream ids.
protocol TableMachine {
  associatedtype State: Equatable
  var state: State { get }
  var core: ConnectionCore<UInt32> { get set }
}

extension ServerConnectionStateMachine: TableMachine where Context == UInt32 {}
extension ClientConnectionStateMachine: TableMachine where Context == UInt32 {}

/// One row of a machine's transition table: events that set the scene, the event under test, and
/// what must follow it.
protocol TransitionRow {
  associatedtype Machine: TableMachine
  associatedtype Event
  var given: [Event] { get }
  var when: Event { get }
  var state: Machine.State { get }
  var actions: [String] { get }
  var frames: [String] { get }
  var close: ConnectionCloseMode? { get }
}

extension TransitionRow {
  /// The steps every row takes, for either machine: the `given` events (what they queued is
  /// discarded), then `when`; then the machine's state, the actions `apply` described, the frames
  /// queued and the close mode are checked against the row.
  func run(
    on machine: inout Machine,
    apply: (Event, inout Machine) -> [String],
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    for event in self.given { _ = apply(event, &machine) }
    _ = Describe.written(&machine.core)
    let actions = apply(self.when, &machine)
    #expect(machine.state == self.state, sourceLocation: sourceLocation)
    #expect(actions == self.actions, sourceLocation: sourceLocation)
    #expect(Describe.written(&machine.core) == self.frames, sourceLocation: sourceLocation)
    #expect(machine.core.closeWhenFlushed == self.close, sourceLocation: sourceLocation)
  }
}

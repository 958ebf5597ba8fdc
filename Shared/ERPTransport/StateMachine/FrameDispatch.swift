import GRPCCore
import NIOCore

/// What a role's connection machine handles itself. ``dispatch(_:oversized:now:makeContext:)``
/// does the rest alike for both roles: ignoring frames once the connection failed or closed, the
/// checks every frame passes, SETTINGS, WINDOW_UPDATE, MESSAGE chunks, and answering a violation
/// with GOAWAY.
protocol RoleMachine {
  associatedtype Context
  typealias Action = ConnectionAction<Context>

  var core: ConnectionCore<Context> { get set }
  var isClosedOrFailed: Bool { get }

  /// A frame whose meaning depends on the role: PING, GOAWAY, HEADERS, HALF_CLOSE, TRAILERS,
  /// RST_STREAM.
  mutating func receiveRoleFrame(
    _ type: FrameType,
    _ frame: Frame,
    now: NIODeadline,
    makeContext: (UInt32) -> Context,
    _ actions: inout [Action]
  ) throws(ProtocolViolation)

  /// A HEADERS or TRAILERS frame the decoder skipped for being above our metadata limit (the
  /// frame has an empty payload; `length` is what it announced).
  mutating func receiveOversized(
    _ frame: Frame,
    type: FrameType,
    length: Int,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation)

  /// Frames for a stream that already closed are ignored (they can cross a close on the wire);
  /// one for a stream never opened is a violation.
  func checkOpened(_ frame: Frame) throws(ProtocolViolation)

  /// Ends one stream because of something its peer sent, without disturbing the others.
  mutating func failStream(
    _ id: UInt32,
    code: Status.Code,
    message: String,
    now: NIODeadline,
    _ actions: inout [Action]
  )

  /// Answers a protocol violation with GOAWAY, then closes.
  mutating func fail(_ violation: ProtocolViolation) -> [Action]
}

extension RoleMachine {
  /// One frame from the peer, through the checks and handling both roles share.
  mutating func dispatch(
    _ frame: Frame,
    oversized: Int?,
    now: NIODeadline,
    makeContext: (UInt32) -> Context
  ) -> [Action] {
    guard !self.isClosedOrFailed else { return [] }
    var actions: [Action] = []
    do throws(ProtocolViolation) {
      guard let type = try self.core.admit(frame) else { return [] }
      if let oversized {
        try self.receiveOversized(frame, type: type, length: oversized, now: now, &actions)
        return actions
      }
      switch type {
      case .settings: try self.core.receiveSettings(frame, now: now, &actions)
      case .message: try self.receiveMessage(frame, now: now, &actions)
      case .windowUpdate:
        try self.checkOpened(frame)
        try self.core.receiveWindowUpdate(frame, &actions)
      case .ping, .goAway, .headers, .halfClose, .trailers, .rstStream:
        try self.receiveRoleFrame(type, frame, now: now, makeContext: makeContext, &actions)
      }
    } catch {
      return actions + self.fail(error)
    }
    return actions
  }

  /// A MESSAGE chunk: a whole message is delivered; one grown past the limit fails its stream.
  private mutating func receiveMessage(
    _ frame: Frame,
    now: NIODeadline,
    _ actions: inout [Action]
  ) throws(ProtocolViolation) {
    try self.checkOpened(frame)
    guard case .tooLarge(let size) = try self.core.receiveMessage(frame, &actions) else { return }
    let limit = self.core.limits.maxMessageSize
    let message = "message larger than the limit of \(limit) bytes (received \(size) so far)"
    self.failStream(frame.streamID, code: .resourceExhausted, message: message, now: now, &actions)
  }
}

extension ServerConnectionStateMachine: RoleMachine {}
extension ClientConnectionStateMachine: RoleMachine {}

import NIOCore

/// What the connection driver needs of either role's state machine.
protocol ConnectionStateMachine: Sendable {
  associatedtype Context: StreamContext
  typealias Action = ConnectionAction<Context>

  init(limits: ERPTransport.Limits, peer: String, now: NIODeadline)
  var core: ConnectionCore<Context> { get set }
  mutating func receive(
    _ frame: Frame,
    oversized: Int?,
    now: NIODeadline,
    makeContext: (UInt32) -> Context
  ) -> [Action]
  mutating func fail(_ violation: ProtocolViolation) -> [Action]
  mutating func drainTimerFired() -> [Action]
  mutating func channelInactive() -> [Action]
}

extension ServerConnectionStateMachine: ConnectionStateMachine where Context: StreamContext {}

extension ClientConnectionStateMachine: ConnectionStateMachine where Context: StreamContext {
  mutating func receive(
    _ frame: Frame,
    oversized: Int?,
    now: NIODeadline,
    makeContext: (UInt32) -> Context
  ) -> [Action] {
    self.receive(frame, oversized: oversized, now: now)
  }

  /// Only servers drain.
  mutating func drainTimerFired() -> [Action] { [] }
}

extension ERPTransport {
  /// Limits and timers shared by both sides of a connection. Defaults suit services talking on a
  /// data-centre network; every value is announced to the peer or enforced locally as documented.
  public struct Limits: Sendable {
    /// Largest message accepted, and the largest sent (RESOURCE_EXHAUSTED beyond it). 4 MiB.
    public var maxMessageSize: Int = 4 * 1024 * 1024
    /// Streams the peer may have open at once on one connection (announced). Clients queue calls
    /// beyond what the server announces.
    public var maxConcurrentStreams: Int = 256
    /// Per-stream flow-control window: bytes of whole messages buffered per stream before the
    /// sender must wait for credit (announced).
    public var initialWindowSize: Int = 128 * 1024
    /// Largest MESSAGE frame accepted (announced); the sender chunks messages to the smaller of
    /// its own and the peer's value, which is what lets small calls pass large ones.
    public var maxFrameSize: Int = 16 * 1024
    /// Largest HEADERS or TRAILERS payload accepted (announced).
    public var maxMetadataSize: Int = 16 * 1024

    public init() {}

    var settings: Settings {
      Settings(
        maxConcurrentStreams: UInt32(clamping: self.maxConcurrentStreams),
        initialWindowSize: UInt32(clamping: self.initialWindowSize),
        maxFrameSize: UInt32(clamping: self.maxFrameSize),
        maxMessageSize: UInt32(clamping: self.maxMessageSize),
        maxMetadataSize: UInt32(clamping: self.maxMetadataSize)
      )
    }

    /// The decoder's hard cap for any one frame.
    var maxFrameLength: Int { max(self.maxFrameSize, self.maxMetadataSize, 1024) }
  }

  /// Exponential backoff with jitter between connection attempts, as gRPC's connection backoff.
  public struct Backoff: Sendable {
    public var initial: Duration = .milliseconds(200)
    public var maximum: Duration = .seconds(30)
    public var multiplier: Double = 1.6
    /// Fraction of each delay added or removed at random, so replicas do not reconnect in step.
    public var jitter: Double = 0.2

    public init() {}

    /// The delay before attempt number `attempt` (1-based: the first retry).
    func delay(attempt: Int) -> Duration {
      var seconds =
        Double(self.initial.components.seconds)
        + Double(self.initial.components.attoseconds) / 1e18
      let cap =
        Double(self.maximum.components.seconds)
        + Double(self.maximum.components.attoseconds) / 1e18
      for _ in 1..<max(attempt, 1) { seconds = min(seconds * self.multiplier, cap) }
      let spread = seconds * self.jitter
      seconds = max(0, seconds + Double.random(in: -spread...spread))
      return .nanoseconds(Int64(seconds * 1e9))
    }
  }
}

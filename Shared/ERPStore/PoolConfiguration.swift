extension ConnectionPool {
  public struct Config: Sendable {
    /// A libpq connection string or `postgresql://` URL.
    public var conninfo: String
    public var minConnections = 1
    public var maxConnections = 8
    public var acquireTimeout: Duration = .seconds(5)
    public var maxLifetime: Duration = .seconds(30 * 60)
    /// A connection idle longer than this is checked with `SELECT 1` before it is handed out.
    public var healthCheckAfterIdle: Duration = .seconds(30)
    public var reconnectInitialDelay: Duration = .milliseconds(50)
    public var reconnectMaximumDelay: Duration = .seconds(2)
    /// Where the pool's spans go: one per statement or pipeline (with the tenant when the pool
    /// knows it) and one per wait for a connection. Off by default.
    public var tracer: ServiceTracer = .off
    /// For tests: called with a waiter's deadline just before it is queued, so that a test can
    /// make an ordering happen on purpose (the waiting thread descheduled there).
    var beforeQueueing: (@Sendable (ContinuousClock.Instant) -> Void)?

    public init(conninfo: String) {
      self.conninfo = conninfo
    }
  }

  /// Counters for metrics.
  public struct Statistics: Sendable {
    public var open = 0
    public var idle = 0
    public var waiting = 0
    public var created = 0
    public var closed = 0
    public var acquireTimeouts = 0
    public var failedConnects = 0
  }
}

import DequeModule
import GRPCCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A pool of PostgreSQL connections on psycopg_pool's model: a minimum and maximum size, an
/// acquisition timeout answered with UNAVAILABLE, a health check of connections that sat idle,
/// reconnection with exponential backoff and jitter, and a maximum connection lifetime (it bounds
/// each backend's catalog cache, which grows with every tenant schema the backend touches).
public final class ConnectionPool: Sendable {
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

  private enum Handoff {
    case connection(PostgresConnection)
    /// A slot freed up: the waiter may open a new connection.
    case mayOpen
  }

  private struct Waiter {
    var id: UInt64
    var continuation: CheckedContinuation<Handoff, any Error>
  }

  private struct State {
    var idle: [PostgresConnection] = []
    var waiters = Deque<Waiter>()
    var nextWaiterID: UInt64 = 0
    var statistics = Statistics()
    var isShutDown = false
  }

  public let config: Config
  private let threads: NIOThreadPool
  private let state = NIOLockedValueBox(State())

  public init(config: Config) {
    self.config = config
    self.threads = NIOThreadPool(numberOfThreads: max(1, config.maxConnections))
    self.threads.start()
  }

  public var statistics: Statistics {
    self.state.withLockedValue { state in
      var statistics = state.statistics
      statistics.idle = state.idle.count
      statistics.waiting = state.waiters.count
      return statistics
    }
  }

  /// Whether ``shutdown()`` was called: every later call fails.
  public var isShutDown: Bool { self.state.withLockedValue { $0.isShutDown } }

  /// Opens connections up to the minimum size.
  public func prewarm() async throws {
    var connections: [PostgresConnection] = []
    for _ in 0..<self.config.minConnections { connections.append(try await self.acquire()) }
    for connection in connections { self.release(connection) }
  }

  /// Closes every connection and stops the pool's threads. Later calls fail with UNAVAILABLE.
  public func shutdown() async {
    let (idle, waiters) = self.state.withLockedValue { state in
      state.isShutDown = true
      defer {
        state.idle = []
        state.waiters = []
      }
      return (state.idle, state.waiters)
    }
    for waiter in waiters {
      waiter.continuation.resume(
        throwing: RPCError(code: .unavailable, message: "the database pool is shut down")
      )
    }
    try? await self.threads.runIfActive { _ = idle }
    try? await self.threads.shutdownGracefully()
  }

  /// Runs `body` with a connection of its own, returned to the pool afterwards.
  @discardableResult
  public func withSession<T: Sendable>(
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    let connection = try await self.acquire()
    do {
      let result = try await body(PostgresSession(connection: connection, threads: self.threads))
      self.release(connection)
      return result
    } catch {
      self.release(connection)
      throw error
    }
  }

  // MARK: Acquiring and releasing

  private enum Decision {
    case reuse(PostgresConnection)
    case open
    case wait(UInt64)
    case shutDown
  }

  private func acquire() async throws -> PostgresConnection {
    let deadline = ContinuousClock.now + self.config.acquireTimeout
    while true {
      let decision = self.state.withLockedValue { state -> Decision in
        if state.isShutDown { return .shutDown }
        if let connection = state.idle.popLast() { return .reuse(connection) }
        if state.statistics.open < self.config.maxConnections {
          state.statistics.open += 1
          return .open
        }
        state.nextWaiterID += 1
        return .wait(state.nextWaiterID)
      }
      switch decision {
      case .shutDown:
        throw RPCError(code: .unavailable, message: "the database pool is shut down")
      case .reuse(let connection):
        if try await self.isUsable(connection) { return connection }
        self.discard(connection)
      case .open:
        return try await self.open(until: deadline)
      case .wait(let id):
        switch try await self.wait(id: id, until: deadline) {
        case .connection(let connection):
          if try await self.isUsable(connection) { return connection }
          self.discard(connection)
        case .mayOpen:
          // The freed slot is already counted for this waiter.
          return try await self.open(until: deadline)
        }
      }
    }
  }

  /// Not broken, not closed by the server while idle, not past its lifetime, and alive if it sat
  /// idle for long.
  private func isUsable(_ connection: PostgresConnection) async throws -> Bool {
    if connection.isBroken || connection.serverSpokeWhileIdle { return false }
    let now = NIODeadline.now()
    if now - connection.createdAt > TimeAmount(self.config.maxLifetime) { return false }
    if now - connection.lastUsed > TimeAmount(self.config.healthCheckAfterIdle) {
      do {
        _ = try await self.threads.runIfActive { try connection.query("SELECT 1", []) }
      } catch {
        return false
      }
    }
    return true
  }

  /// Opens a connection, retrying with exponential backoff and jitter until the deadline.
  private func open(until deadline: ContinuousClock.Instant) async throws -> PostgresConnection {
    var delay = self.config.reconnectInitialDelay
    var lastError: PostgresError?
    while true {
      do {
        let conninfo = self.config.conninfo
        let connection = try await self.threads.runIfActive {
          let connection = try PostgresConnection(conninfo: conninfo)
          try connection.execute("SET TIME ZONE 'UTC'; SET application_name = 'erp'")
          return connection
        }
        self.state.withLockedValue { $0.statistics.created += 1 }
        return connection
      } catch let error as PostgresError {
        lastError = error
        self.state.withLockedValue { $0.statistics.failedConnects += 1 }
      } catch {
        self.slotFreed()
        throw error
      }
      let jittered = delay * Double.random(in: 0.8...1.2)
      if ContinuousClock.now + jittered > deadline {
        self.slotFreed()
        throw RPCError(
          code: .unavailable,
          message: "the database is unavailable; retry later",
          cause: lastError
        )
      }
      try await Task.sleep(for: jittered)
      delay = min(delay * 2, self.config.reconnectMaximumDelay)
    }
  }

  private enum Queueing {
    case queued
    case shutDown
    case cancelled
    case timedOut
  }

  /// Queues the waiter, then arms its timeout: in that order, so a timer that fires at once
  /// still finds the waiter (armed first, it could fire before the waiter was queued, find
  /// nothing to time out, and leave the waiter waiting forever). A task cancelled before it is
  /// queued, or a deadline already past, ends the wait at once instead of queueing.
  private func wait(id: UInt64, until deadline: ContinuousClock.Instant) async throws -> Handoff {
    self.config.beforeQueueing?(deadline)
    let timer = NIOLockedValueBox<Scheduled<Void>?>(nil)
    defer { timer.withLockedValue { $0?.cancel() } }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { continuation in
        let queueing = self.state.withLockedValue { state -> Queueing in
          if state.isShutDown { return .shutDown }
          // Checked under the lock the cancellation handler takes: a cancellation either is
          // seen here or finds the waiter queued.
          if Task.isCancelled { return .cancelled }
          if ContinuousClock.now >= deadline {
            state.statistics.acquireTimeouts += 1
            return .timedOut
          }
          state.waiters.append(Waiter(id: id, continuation: continuation))
          return .queued
        }
        switch queueing {
        case .queued:
          let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
            in: TimeAmount(deadline - ContinuousClock.now)
          ) {
            self.abandonWaiter(id, error: self.timeoutError, countsAsTimeout: true)
          }
          timer.withLockedValue { $0 = scheduled }
        case .shutDown:
          continuation.resume(
            throwing: RPCError(code: .unavailable, message: "the database pool is shut down")
          )
        case .cancelled:
          continuation.resume(throwing: CancellationError())
        case .timedOut:
          continuation.resume(throwing: self.timeoutError)
        }
      }
    } onCancel: {
      self.abandonWaiter(id, error: CancellationError(), countsAsTimeout: false)
    }
  }

  private var timeoutError: RPCError {
    RPCError(
      code: .unavailable,
      message:
        "no database connection became free within \(self.config.acquireTimeout) (pool of \(self.config.maxConnections))"
    )
  }

  private func abandonWaiter(_ id: UInt64, error: any Error, countsAsTimeout: Bool) {
    let waiter = self.state.withLockedValue { state -> Waiter? in
      guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
      if countsAsTimeout { state.statistics.acquireTimeouts += 1 }
      return state.waiters.remove(at: index)
    }
    waiter?.continuation.resume(throwing: error)
  }

  private func release(_ connection: PostgresConnection) {
    // Broken, sent a cancel that may still arrive, or left inside a transaction (a statement
    // refused on cancellation skipped its ROLLBACK): closed, never handed to the next caller.
    if connection.isBroken || connection.cancelRequested || !connection.isIdle {
      self.discard(connection)
      return
    }
    let waiter = self.state.withLockedValue { state -> Waiter? in
      if let waiter = state.waiters.popFirst() { return waiter }
      if state.isShutDown {
        state.statistics.open -= 1
      } else {
        state.idle.append(connection)
      }
      return nil
    }
    waiter?.continuation.resume(returning: .connection(connection))
  }

  /// Closes a connection (on a pool thread: PQfinish may block briefly) and frees its slot.
  private func discard(_ connection: PostgresConnection) {
    self.state.withLockedValue { $0.statistics.closed += 1 }
    let threads = self.threads
    threads.submit { _ in _ = connection }
    self.slotFreed()
  }

  /// One fewer connection is open: a waiter, if any, may open one.
  private func slotFreed() {
    let waiter = self.state.withLockedValue { state -> Waiter? in
      state.statistics.open -= 1
      guard let waiter = state.waiters.popFirst() else { return nil }
      state.statistics.open += 1
      return waiter
    }
    waiter?.continuation.resume(returning: .mayOpen)
  }
}

extension TimeAmount {
  init(_ duration: Duration) {
    self = .nanoseconds(
      Int64(duration.components.seconds) * 1_000_000_000 + duration.components.attoseconds
        / 1_000_000_000
    )
  }
}

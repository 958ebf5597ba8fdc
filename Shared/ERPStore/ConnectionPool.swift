import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A pool of PostgreSQL connections on psycopg_pool's model: a minimum and maximum size, an
/// acquisition timeout (``StoreError/Kind/acquireTimeout``), a health check of connections that
/// sat idle, reconnection with exponential backoff and jitter, and a maximum connection lifetime
/// (it bounds each backend's catalog cache, which grows with every tenant schema the backend
/// touches). Which connection goes to whom is ``PoolStateMachine``'s decision; this class does
/// the I/O around it. Transactions, tenancy and migrations are built on ``withSession(_:)`` in
/// files of their own.
public final class ConnectionPool: Sendable {
  /// What a waiter is woken with.
  private enum Handoff {
    case connection(PostgresConnection)
    /// A slot freed up: the waiter may open a new connection.
    case mayOpen
  }

  /// The bookkeeping (PoolStateMachine.swift); this class carries out its actions.
  private typealias Machine = PoolStateMachine<
    PostgresConnection, CheckedContinuation<Handoff, any Error>
  >

  public let config: Config
  private let threads: NIOThreadPool
  private let state: NIOLockedValueBox<Machine>

  public init(config: Config) {
    self.config = config
    self.threads = NIOThreadPool(numberOfThreads: max(1, config.maxConnections))
    self.threads.start()
    self.state = NIOLockedValueBox(Machine(maxConnections: config.maxConnections))
  }

  public var statistics: Statistics { self.state.withLockedValue { $0.statistics } }

  /// Whether ``shutdown()`` was called: every later call fails.
  public var isShutDown: Bool { self.state.withLockedValue { $0.isShutDown } }

  /// Opens connections up to the minimum size.
  public func prewarm() async throws {
    var connections: [PostgresConnection] = []
    for _ in 0..<self.config.minConnections { connections.append(try await self.acquire()) }
    for connection in connections { self.release(connection) }
  }

  /// Closes every connection and stops the pool's threads. Later calls fail with
  /// ``StoreError/Kind/poolShutDown``.
  public func shutdown() async {
    let (idle, waiters) = self.state.withLockedValue { $0.shutDown() }
    for waiter in waiters { waiter.resume(throwing: StoreError.poolShutDown) }
    try? await self.threads.runIfActive { _ = idle }
    try? await self.threads.shutdownGracefully()
  }

  /// Runs `body` with a connection of its own, returned to the pool afterwards.
  @discardableResult
  public func withSession<T: Sendable>(
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    try await self.withSession(tenant: nil, body)
  }

  /// The same, with the session's statements traced as the tenant's (`erp.tenant`).
  func withSession<T: Sendable>(
    tenant: TenantID?,
    _ body: (PostgresSession) async throws -> T
  ) async throws -> T {
    let connection = try await self.acquire()
    do {
      let session = PostgresSession(
        connection: connection,
        threads: self.threads,
        tracer: self.config.tracer,
        tenant: tenant
      )
      let result = try await body(session)
      self.release(connection)
      return result
    } catch {
      self.release(connection)
      throw error
    }
  }

  // MARK: Acquiring and releasing

  private func acquire() async throws -> PostgresConnection {
    let deadline = ContinuousClock.now + self.config.acquireTimeout
    while true {
      switch self.state.withLockedValue({ $0.acquire() }) {
      case .shutDown:
        throw StoreError.poolShutDown
      case .reuse(let connection):
        if try await self.isUsable(connection) { return connection }
        self.discard(connection)
      case .open:
        return try await self.traced("db.pool.connect") { try await self.open(until: deadline) }
      case .wait(let id):
        let handoff = try await self.traced("db.pool.wait") {
          try await self.wait(id: id, until: deadline)
        }
        switch handoff {
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

  /// Runs `body` (a wait for a free connection, or opening one) in a span of its own, so a
  /// trace shows time lost to a full pool apart from time spent in SQL.
  private func traced<T>(
    _ name: String,
    _ body: () async throws -> T
  ) async throws -> T {
    guard self.config.tracer.isOn else { return try await body() }
    return try await self.config.tracer.withSpan(name, ofKind: .client) { span in
      span?.attributes["db.system"] = "postgresql"
      span?.attributes["db.pool.max_connections"] = self.config.maxConnections
      return try await body()
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
        self.state.withLockedValue { $0.connected() }
        return connection
      } catch let error as PostgresError {
        lastError = error
        self.state.withLockedValue { $0.connectFailed() }
      } catch {
        self.gaveUpOpening()
        throw error
      }
      let jittered = delay * Double.random(in: 0.8...1.2)
      if ContinuousClock.now + jittered > deadline {
        self.gaveUpOpening()
        throw StoreError(
          .databaseUnavailable,
          "the database is unavailable; retry later",
          cause: lastError
        )
      }
      try await Task.sleep(for: jittered)
      delay = min(delay * 2, self.config.reconnectMaximumDelay)
    }
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
        // Cancellation is checked under the lock the cancellation handler takes: a
        // cancellation either is seen here or finds the waiter queued.
        let queueing = self.state.withLockedValue { state in
          state.queue(
            id,
            waiter: continuation,
            cancelled: Task.isCancelled,
            expired: ContinuousClock.now >= deadline
          )
        }
        switch queueing {
        case .queued:
          let scheduled = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(
            in: TimeAmount(deadline - ContinuousClock.now)
          ) {
            let waiter = self.state.withLockedValue { $0.waiterTimedOut(id) }
            waiter?.resume(throwing: self.timeoutError)
          }
          timer.withLockedValue { $0 = scheduled }
        case .refuse(let waiter, .shutDown):
          waiter.resume(throwing: StoreError.poolShutDown)
        case .refuse(let waiter, .cancelled):
          waiter.resume(throwing: CancellationError())
        case .refuse(let waiter, .timedOut):
          waiter.resume(throwing: self.timeoutError)
        }
      }
    } onCancel: {
      let waiter = self.state.withLockedValue { $0.waiterCancelled(id) }
      waiter?.resume(throwing: CancellationError())
    }
  }

  private var timeoutError: StoreError {
    StoreError(
      .acquireTimeout,
      "no database connection became free within \(self.config.acquireTimeout) "
        + "(pool of \(self.config.maxConnections))"
    )
  }

  private func release(_ connection: PostgresConnection) {
    // Broken, sent a cancel that may still arrive, or left inside a transaction (a statement
    // refused on cancellation skipped its ROLLBACK): closed, never handed to the next caller.
    let reusable = !(connection.isBroken || connection.cancelRequested || !connection.isIdle)
    switch self.state.withLockedValue({ $0.release(connection, reusable: reusable) }) {
    case .handOver(let connection, let waiter):
      waiter.resume(returning: .connection(connection))
    case .keepIdle, .drop:
      break
    case .close(let connection, let waiter):
      self.close(connection)
      waiter?.resume(returning: .mayOpen)
    }
  }

  /// A connection that failed its check before reuse: closed, its slot freed.
  private func discard(_ connection: PostgresConnection) {
    let waiter = self.state.withLockedValue { $0.closed(connection) }
    self.close(connection)
    waiter?.resume(returning: .mayOpen)
  }

  /// Closes a connection on a pool thread (PQfinish may block briefly).
  private func close(_ connection: PostgresConnection) {
    self.threads.submit { _ in _ = connection }
  }

  /// Stopped opening a connection: a waiter, if any, may open one in its slot.
  private func gaveUpOpening() {
    let waiter = self.state.withLockedValue { $0.gaveUpOpening() }
    waiter?.resume(returning: .mayOpen)
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

import DequeModule

/// The pool's bookkeeping as a pure state machine, on postgres-nio's model: events in (a task
/// wants a connection, gives one back, gives up waiting …), actions out (reuse this one, open
/// one, wait, hand this one to that waiter, close it). It does no I/O, takes no lock and reads
/// no clock: ``ConnectionPool`` keeps it behind its lock, carries out what it returns (health
/// checks, connecting, timers, closing on a pool thread) and tells it what happened. So every
/// path of acquisition, time-out and cancellation is testable without a database, table by
/// table (PoolStateMachineTests).
///
/// `Connection` and `Waiter` are opaque to the machine: the pool's are a `PostgresConnection`
/// and the continuation of the task waiting; the tests' are plain values.
///
/// The invariants it keeps: `open` counts every connection that exists or is being opened
/// (idle, in use, or a slot promised to a waiter), never more than `maxConnections`; a waiter is
/// woken at most once (each event that ends a wait removes the waiter first); after shut-down
/// nothing is queued and nothing is kept idle.
struct PoolStateMachine<Connection, Waiter> {
  typealias WaiterID = UInt64

  /// What a task that wants a connection does next.
  enum AcquireAction {
    /// Use this idle connection (after its health check: see ``closed(_:)`` if it fails).
    case reuse(Connection)
    /// A slot is counted for the caller: open a connection (``connected()`` or
    /// ``gaveUpOpening()`` afterwards).
    case open
    /// The pool is full: queue as this waiter (``queue(_:waiter:cancelled:expired:)``).
    case wait(WaiterID)
    case shutDown
  }

  /// Why a waiter is refused instead of queued.
  enum Refusal: Equatable {
    case shutDown
    /// Its task was cancelled before it could be queued.
    case cancelled
    /// Its deadline had already passed (counted as an acquisition timeout).
    case timedOut
  }

  enum QueueAction {
    /// Queued: arm its timer now (after queueing, so a timer firing at once still finds it).
    case queued
    /// Resume the waiter with the refusal's error; it was not queued.
    case refuse(Waiter, Refusal)
  }

  /// What happens to a connection given back.
  enum ReleaseAction {
    /// The longest-waiting task gets it.
    case handOver(Connection, to: Waiter)
    /// Nobody waits: it stays idle for the next caller.
    case keepIdle
    /// The pool is shut down: let it go (its slot is already freed).
    case drop(Connection)
    /// Not fit for reuse: close it; its slot went to `wakeToOpen`, if any, which may open one.
    case close(Connection, wakeToOpen: Waiter?)
  }

  fileprivate struct Queued {
    var id: WaiterID
    var waiter: Waiter
  }

  let maxConnections: Int
  private var idle: [Connection] = []
  private var waiters = Deque<Queued>()
  private var nextWaiterID: WaiterID = 0
  private var counters = ConnectionPool.Statistics()
  private(set) var isShutDown = false

  init(maxConnections: Int) {
    self.maxConnections = maxConnections
  }

  var statistics: ConnectionPool.Statistics {
    var statistics = self.counters
    statistics.idle = self.idle.count
    statistics.waiting = self.waiters.count
    return statistics
  }

  // MARK: Acquiring

  /// A task wants a connection: the most recently used idle one, else a new one while there is
  /// room, else a place in the queue.
  mutating func acquire() -> AcquireAction {
    if self.isShutDown { return .shutDown }
    if let connection = self.idle.popLast() { return .reuse(connection) }
    if self.counters.open < self.maxConnections {
      self.counters.open += 1
      return .open
    }
    self.nextWaiterID += 1
    return .wait(self.nextWaiterID)
  }

  /// The task given `.wait(id)` is about to suspend: it is queued unless the pool shut down
  /// meanwhile, its task is already cancelled or its deadline already passed (each checked
  /// under the same lock as the events that end a wait, so none is missed).
  mutating func queue(
    _ id: WaiterID,
    waiter: Waiter,
    cancelled: Bool,
    expired: Bool
  ) -> QueueAction {
    if self.isShutDown { return .refuse(waiter, .shutDown) }
    if cancelled { return .refuse(waiter, .cancelled) }
    if expired {
      self.counters.acquireTimeouts += 1
      return .refuse(waiter, .timedOut)
    }
    self.waiters.append(Queued(id: id, waiter: waiter))
    return .queued
  }

  /// The waiter's timer fired: the waiter to fail with the timeout, nil if something else
  /// already ended its wait (a hand-over, a cancellation, shut-down).
  mutating func waiterTimedOut(_ id: WaiterID) -> Waiter? {
    guard let waiter = self.removeWaiter(id) else { return nil }
    self.counters.acquireTimeouts += 1
    return waiter
  }

  /// The waiter's task was cancelled: the waiter to fail, nil if its wait already ended.
  mutating func waiterCancelled(_ id: WaiterID) -> Waiter? {
    self.removeWaiter(id)
  }

  private mutating func removeWaiter(_ id: WaiterID) -> Waiter? {
    guard let index = self.waiters.firstIndex(where: { $0.id == id }) else { return nil }
    return self.waiters.remove(at: index).waiter
  }

  // MARK: Opening

  /// A connection was opened in a slot counted by `.open` (or a wake-up to open).
  mutating func connected() {
    self.counters.created += 1
  }

  /// An attempt to connect failed; the caller retries until its deadline.
  mutating func connectFailed() {
    self.counters.failedConnects += 1
  }

  /// The caller stopped trying to open a connection: its slot is free, and goes to the
  /// longest-waiting task, if any, which may open one.
  mutating func gaveUpOpening() -> Waiter? {
    self.slotFreed()
  }

  // MARK: Releasing

  /// A connection comes back. `reusable` is false when it is broken, has a cancel in flight or
  /// was left inside a transaction: such a connection is closed, never handed on.
  mutating func release(_ connection: Connection, reusable: Bool) -> ReleaseAction {
    guard reusable else { return .close(connection, wakeToOpen: self.closed(connection)) }
    if let queued = self.waiters.popFirst() { return .handOver(connection, to: queued.waiter) }
    if self.isShutDown {
      self.counters.open -= 1
      return .drop(connection)
    }
    self.idle.append(connection)
    return .keepIdle
  }

  /// A connection is closed (given back unfit, or failed its check before reuse): its slot
  /// goes to the longest-waiting task, if any, which may open one.
  mutating func closed(_ connection: Connection) -> Waiter? {
    self.counters.closed += 1
    return self.slotFreed()
  }

  private mutating func slotFreed() -> Waiter? {
    self.counters.open -= 1
    guard let queued = self.waiters.popFirst() else { return nil }
    self.counters.open += 1
    return queued.waiter
  }

  // MARK: Shutting down

  /// Every later acquisition fails; returns the idle connections to close and the waiters to
  /// fail. Connections in use are dropped when given back.
  mutating func shutDown() -> (idle: [Connection], waiters: [Waiter]) {
    self.isShutDown = true
    defer {
      self.idle = []
      self.waiters = []
    }
    return (self.idle, self.waiters.map(\.waiter))
  }
}

extension PoolStateMachine: Sendable where Connection: Sendable, Waiter: Sendable {}
extension PoolStateMachine.Queued: Sendable where Connection: Sendable, Waiter: Sendable {}

import Testing

@testable import ERPStore

/// The pool's decisions without a database: connections are strings, waiters are strings too.
private typealias Machine = PoolStateMachine<String, String>

/// A compact rendering of an action, so that a table row can say what it expects.
private func render(_ action: Machine.AcquireAction) -> String {
  switch action {
  case .reuse(let connection): "reuse \(connection)"
  case .open: "open"
  case .wait(let id): "wait \(id)"
  case .shutDown: "shut down"
  }
}

private func render(_ action: Machine.QueueAction) -> String {
  switch action {
  case .queued: "queued"
  case .refuse(let waiter, let refusal): "refuse \(waiter): \(refusal)"
  }
}

private func render(_ action: Machine.ReleaseAction) -> String {
  switch action {
  case .handOver(let connection, let waiter): "hand \(connection) to \(waiter)"
  case .keepIdle: "keep idle"
  case .drop(let connection): "drop \(connection)"
  case .close(let connection, let waiter?): "close \(connection), \(waiter) may open"
  case .close(let connection, nil): "close \(connection)"
  }
}

/// A machine of `max` slots with `open` connections opened (and in use) and `waiting` waiters
/// `w1`, `w2` … queued behind them.
private func machine(max: Int, open: Int = 0, waiting: Int = 0) -> Machine {
  var machine = Machine(maxConnections: max)
  for _ in 0..<open {
    guard case .open = machine.acquire() else { fatalError("no room to open") }
    machine.connected()
  }
  for index in 0..<waiting {
    guard case .wait(let id) = machine.acquire() else { fatalError("did not wait") }
    _ = machine.queue(id, waiter: "w\(index + 1)", cancelled: false, expired: false)
  }
  return machine
}

@Suite("Pool state machine: acquisition")
struct PoolAcquireTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var open: Int
    var idle: [String]
    var shutDown: Bool
    var expected: String
    var openAfter: Int
    var testDescription: String { self.name }

    init(
      _ name: String,
      open: Int,
      idle: [String],
      shutDown: Bool,
      _ expected: String,
      _ after: Int
    ) {
      (self.name, self.open, self.idle, self.shutDown) = (name, open, idle, shutDown)
      (self.expected, self.openAfter) = (expected, after)
    }
  }

  /// A pool of two: what the next caller is told, and how many connections are then open.
  @Test(
    "acquire reuses the most recent idle connection, else opens while there is room, else waits",
    arguments: [
      Row("empty pool opens", open: 0, idle: [], shutDown: false, "open", 1),
      Row("room left opens", open: 1, idle: [], shutDown: false, "open", 2),
      Row("full pool waits", open: 2, idle: [], shutDown: false, "wait 1", 2),
      Row("idle reused, newest first", open: 2, idle: ["a", "b"], shutDown: false, "reuse b", 2),
      Row("shut down refuses", open: 0, idle: [], shutDown: true, "shut down", 0),
    ]
  )
  func acquire(row: Row) {
    var pool = machine(max: 2, open: row.open)
    for connection in row.idle {
      guard case .keepIdle = pool.release(connection, reusable: true) else {
        Issue.record("\(connection) not kept idle")
        return
      }
    }
    if row.shutDown { _ = pool.shutDown() }
    #expect(render(pool.acquire()) == row.expected)
    #expect(pool.statistics.open == row.openAfter)
  }

  @Test("waiters get increasing ids and are queued in order")
  func waiterIDs() {
    var pool = machine(max: 1, open: 1)
    guard case .wait(let first) = pool.acquire(), case .wait(let second) = pool.acquire() else {
      Issue.record("a full pool did not make callers wait")
      return
    }
    #expect(first < second)
    #expect(render(pool.queue(first, waiter: "w1", cancelled: false, expired: false)) == "queued")
    #expect(render(pool.queue(second, waiter: "w2", cancelled: false, expired: false)) == "queued")
    #expect(pool.statistics.waiting == 2)
    #expect(render(pool.release("c", reusable: true)) == "hand c to w1")
    #expect(render(pool.release("c", reusable: true)) == "hand c to w2")
  }

  struct QueueRow: Sendable, CustomTestStringConvertible {
    var name: String
    var cancelled: Bool
    var expired: Bool
    var shutDown: Bool
    var expected: String
    var waitingAfter: Int
    var timeoutsAfter: Int
    var testDescription: String { self.name }

    init(
      _ name: String,
      _ cancelled: Bool,
      _ expired: Bool,
      _ shutDown: Bool,
      _ expected: String,
      _ waiting: Int,
      _ timeouts: Int
    ) {
      (self.name, self.cancelled, self.expired) = (name, cancelled, expired)
      self.shutDown = shutDown
      (self.expected, self.waitingAfter, self.timeoutsAfter) = (expected, waiting, timeouts)
    }
  }

  /// The moment between being told to wait and suspending: whatever happened meanwhile ends the
  /// wait at once instead of queueing a waiter nobody will wake. Columns: cancelled, expired,
  /// shut down; the action; waiters and acquisition timeouts afterwards.
  @Test(
    "queueing refuses a shut-down pool, a cancelled task and a passed deadline",
    arguments: [
      QueueRow("queued", false, false, false, "queued", 1, 0),
      QueueRow("cancelled first", true, false, false, "refuse w: cancelled", 0, 0),
      QueueRow("deadline passed", false, true, false, "refuse w: timedOut", 0, 1),
      QueueRow("cancel beats expiry", true, true, false, "refuse w: cancelled", 0, 0),
      QueueRow("shut down meanwhile", true, true, true, "refuse w: shutDown", 0, 0),
    ]
  )
  func queue(row: QueueRow) {
    var pool = machine(max: 1, open: 1)
    guard case .wait(let id) = pool.acquire() else {
      Issue.record("a full pool did not make the caller wait")
      return
    }
    if row.shutDown { _ = pool.shutDown() }
    let action = pool.queue(id, waiter: "w", cancelled: row.cancelled, expired: row.expired)
    #expect(render(action) == row.expected)
    #expect(pool.statistics.waiting == row.waitingAfter)
    #expect(pool.statistics.acquireTimeouts == row.timeoutsAfter)
  }
}

@Suite("Pool state machine: a wait ends exactly once")
struct PoolWaitEndTests {
  @Test("a timed-out waiter is failed once and counted; later events find nothing")
  func timeout() {
    var pool = machine(max: 1, open: 1, waiting: 1)
    #expect(pool.waiterTimedOut(1) == "w1")
    #expect(pool.statistics.acquireTimeouts == 1)
    #expect(pool.statistics.waiting == 0)
    #expect(pool.waiterTimedOut(1) == nil)
    #expect(pool.waiterCancelled(1) == nil)
    #expect(pool.statistics.acquireTimeouts == 1)
    // Its slot was never promised: the connection given back now stays idle.
    #expect(render(pool.release("c", reusable: true)) == "keep idle")
  }

  @Test("a cancelled waiter is failed once, not counted as a timeout")
  func cancellation() {
    var pool = machine(max: 1, open: 1, waiting: 2)
    #expect(pool.waiterCancelled(1) == "w1")
    #expect(pool.waiterTimedOut(1) == nil)
    #expect(pool.statistics.acquireTimeouts == 0)
    // The next in line is still served.
    #expect(render(pool.release("c", reusable: true)) == "hand c to w2")
  }

  @Test("a waiter handed a connection can no longer time out or be cancelled")
  func handOverFirst() {
    var pool = machine(max: 1, open: 1, waiting: 1)
    #expect(render(pool.release("c", reusable: true)) == "hand c to w1")
    #expect(pool.waiterTimedOut(1) == nil)
    #expect(pool.waiterCancelled(1) == nil)
    #expect(pool.statistics.acquireTimeouts == 0)
  }

  @Test("only the named waiter ends: the others keep their places")
  func onlyTheNamedOne() {
    var pool = machine(max: 1, open: 1, waiting: 3)
    #expect(pool.waiterTimedOut(2) == "w2")
    #expect(render(pool.release("c", reusable: true)) == "hand c to w1")
    #expect(render(pool.release("c", reusable: true)) == "hand c to w3")
  }

  @Test("shut-down fails every waiter and closes every idle connection; later calls refuse")
  func shutDown() {
    var full = machine(max: 1, open: 1, waiting: 2)
    let (_, waiters) = full.shutDown()
    #expect(waiters == ["w1", "w2"])
    #expect(full.statistics.waiting == 0)
    #expect(full.waiterTimedOut(1) == nil && full.waiterCancelled(2) == nil)
    #expect(render(full.acquire()) == "shut down")
    // A connection in use when the pool shut down is let go, not kept.
    #expect(render(full.release("busy", reusable: true)) == "drop busy")
    #expect(full.statistics.open == 0 && full.statistics.idle == 0)

    var quiet = machine(max: 2, open: 2)
    _ = quiet.release("idle", reusable: true)
    let (idle, none) = quiet.shutDown()
    #expect(idle == ["idle"])
    #expect(none.isEmpty)
    #expect(quiet.statistics.idle == 0)
    #expect(render(quiet.acquire()) == "shut down")
  }
}

@Suite("Pool state machine: release and closing")
struct PoolReleaseTests {
  struct Row: Sendable, CustomTestStringConvertible {
    var name: String
    var reusable: Bool
    var waiting: Int
    var expected: String
    var after: (open: Int, closed: Int, idle: Int)
    var testDescription: String { self.name }

    init(
      _ name: String,
      reusable: Bool,
      waiting: Int,
      _ expected: String,
      _ after: (open: Int, closed: Int, idle: Int)
    ) {
      (self.name, self.reusable, self.waiting, self.expected) = (name, reusable, waiting, expected)
      self.after = after
    }
  }

  /// An unfit connection (broken, a cancel in flight — a cancelled task's —, left inside a
  /// transaction) is closed, never handed to the next caller: its slot is, so a waiter opens a
  /// fresh connection. Last column: open, closed and idle afterwards.
  @Test(
    "release hands over, keeps idle, or closes and passes the slot on",
    arguments: [
      Row("fit, nobody waits", reusable: true, waiting: 0, "keep idle", (1, 0, 1)),
      Row("fit, a waiter", reusable: true, waiting: 1, "hand c to w1", (1, 0, 0)),
      Row("unfit, nobody waits", reusable: false, waiting: 0, "close c", (0, 1, 0)),
      Row("unfit, a waiter", reusable: false, waiting: 1, "close c, w1 may open", (1, 1, 0)),
    ]
  )
  func release(row: Row) {
    var pool = machine(max: 1, open: 1, waiting: row.waiting)
    #expect(render(pool.release("c", reusable: row.reusable)) == row.expected)
    #expect(pool.statistics.open == row.after.open)
    #expect(pool.statistics.closed == row.after.closed)
    #expect(pool.statistics.idle == row.after.idle)
    #expect(pool.statistics.waiting == 0)
  }

  @Test("an idle connection that fails its check is closed and its slot goes to a waiter")
  func failedCheck() {
    var pool = machine(max: 1, open: 1)
    _ = pool.release("stale", reusable: true)
    guard case .reuse(let connection) = pool.acquire() else {
      Issue.record("the idle connection was not offered")
      return
    }
    guard case .wait(let id) = pool.acquire() else {
      Issue.record("a full pool did not make the caller wait")
      return
    }
    _ = pool.queue(id, waiter: "w1", cancelled: false, expired: false)
    #expect(pool.closed(connection) == "w1")
    #expect(pool.statistics.closed == 1)
    #expect(pool.statistics.open == 1)
  }

  @Test("giving up opening frees the slot: a waiter may open, else the room is back")
  func gaveUpOpening() {
    var pool = machine(max: 1)
    #expect(render(pool.acquire()) == "open")
    pool.connectFailed()
    #expect(pool.gaveUpOpening() == nil)
    #expect(pool.statistics.open == 0)
    #expect(pool.statistics.failedConnects == 1)
    #expect(render(pool.acquire()) == "open")
    guard case .wait(let id) = pool.acquire() else {
      Issue.record("a full pool did not make the caller wait")
      return
    }
    _ = pool.queue(id, waiter: "w1", cancelled: false, expired: false)
    #expect(pool.gaveUpOpening() == "w1")
    #expect(pool.statistics.open == 1)
    #expect(pool.statistics.created == 0)
  }

  @Test("open never exceeds the maximum through any sequence of events")
  func neverOverMaximum() {
    var pool = machine(max: 2)
    var inUse: [String] = []
    var opened = 0
    // A fixed sequence mixing every event; the invariant is checked after each.
    for step in 0..<200 {
      switch step % 5 {
      case 0, 1:
        switch pool.acquire() {
        case .open:
          opened += 1
          pool.connected()
          inUse.append("c\(opened)")
        case .reuse(let connection): inUse.append(connection)
        case .wait(let id):
          _ = pool.queue(id, waiter: "w\(id)", cancelled: false, expired: step % 3 == 0)
          _ = pool.waiterCancelled(id)
        case .shutDown: Issue.record("shut down unexpectedly")
        }
      case 2 where !inUse.isEmpty:
        _ = pool.release(inUse.removeFirst(), reusable: step % 4 != 2)
      case 3 where !inUse.isEmpty:
        _ = pool.closed(inUse.removeFirst())
      default:
        break
      }
      #expect(pool.statistics.open <= 2)
      #expect(pool.statistics.open == inUse.count + pool.statistics.idle)
    }
  }
}

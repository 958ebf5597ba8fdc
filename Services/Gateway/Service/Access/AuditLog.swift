import ERPStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// The gateway's audit trail of partner calls (who, when, method, record, outcome, request id,
/// address; the table refuses edits, see ``trail``), which never loses a row: each call's row goes into
/// a bounded queue in memory, and one flusher writes the queue in batches (one INSERT per batch),
/// retrying with exponential back-off while the database is away. A row leaves the queue only
/// once its INSERT committed. When the queue is full (a long outage), new partner calls are
/// refused with UNAVAILABLE instead of being served unaudited; calls already running still add
/// their rows, so the queue may pass its bound by the calls in flight.
///
/// What it does not survive is the process itself: rows queued when the gateway is killed are
/// lost (a graceful shutdown flushes first, see ``run()``). Delivery is at least once: a batch
/// whose COMMIT was lost with the connection is written again.
final class AuditLog: Service, Sendable {
  struct Row: Sendable {
    /// Who called: the key's id, or `user:<id>` for a signed-in user (``Caller/id``).
    var keyID: String
    var tenant: String
    var method: String
    var code: String
    var milliseconds: Int
    var at: Date
    /// The record the call touched (``AuditedRecord``), or empty.
    var recordID: String = ""
    var requestID: String = ""
    /// The caller's address without its port (``PeerAddress``).
    var sourceAddress: String = ""
    var readOnly: Bool = false
  }

  private struct State {
    var queue: [Row] = []
    var flushing = false
    var lost = 0
  }

  let pool: ConnectionPool
  let capacity: Int
  let batchSize: Int
  let initialBackoff: Duration
  let maximumBackoff: Duration
  private let logger: Logger
  private let state = NIOLockedValueBox(State())

  init(
    pool: ConnectionPool,
    logger: Logger,
    capacity: Int = 100_000,
    batchSize: Int = 500,
    initialBackoff: Duration = .milliseconds(50),
    maximumBackoff: Duration = .seconds(5)
  ) {
    self.pool = pool
    self.logger = logger
    self.capacity = capacity
    self.batchSize = batchSize
    self.initialBackoff = initialBackoff
    self.maximumBackoff = maximumBackoff
  }

  /// Whether a new call may start: false while the queue is at its bound.
  var hasRoom: Bool { self.state.withLockedValue { $0.queue.count < self.capacity } }

  /// Rows not yet written.
  var pending: Int { self.state.withLockedValue { $0.queue.count } }

  /// Queues `row` and makes sure a flusher runs.
  func record(_ row: Row) {
    let start = self.state.withLockedValue { state -> Bool in
      state.queue.append(row)
      defer { state.flushing = true }
      return !state.flushing
    }
    // Detached: the flusher outlives the call that started it and carries none of its
    // task-locals (its deadline above all).
    if start { Task.detached { await self.flush() } }
  }

  /// Writes the queue until it is empty, backing off while writes fail. Stops (counting the
  /// rows as lost, loudly) only when the pool has been shut down for good.
  private func flush() async {
    var backoff = self.initialBackoff
    var failing = false
    while true {
      let batch = self.state.withLockedValue { state -> [Row] in
        if state.queue.isEmpty { state.flushing = false }
        return Array(state.queue.prefix(self.batchSize))
      }
      if batch.isEmpty { return }
      do {
        try await self.write(batch)
        self.state.withLockedValue { $0.queue.removeFirst(batch.count) }
        if failing {
          self.logger.info("audit log written again", metadata: ["rows": "\(batch.count)"])
        }
        failing = false
        backoff = self.initialBackoff
      } catch {
        if self.pool.isShutDown {
          let lost = self.state.withLockedValue { state -> Int in
            defer {
              state.lost += state.queue.count
              state.queue.removeAll()
              state.flushing = false
            }
            return state.queue.count
          }
          self.logger.error(
            "audit rows not written: the database pool is shut down",
            metadata: ["rows": "\(lost)"]
          )
          return
        }
        if !failing {
          self.logger.warning(
            "audit log not written yet; retrying with back-off",
            metadata: ["pending": "\(self.pending)", "error": "\(error)"]
          )
        }
        failing = true
        try? await Task.sleep(for: backoff * Double.random(in: 0.8...1.2))
        backoff = min(backoff * 2, self.maximumBackoff)
      }
    }
  }

  private func write(_ rows: [Row]) async throws {
    try await self.pool.withSession { session in
      try await session.query(
        """
        INSERT INTO gateway.audit (key_id, tenant_id, method, code, milliseconds, at, record_id,
          request_id, source_address, read_only)
        SELECT k, t, m, c, ms, to_timestamp(e), r, q, s, ro
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::float8[],
          $7::text[], $8::text[], $9::text[], $10::bool[])
          AS u(k, t, m, c, ms, e, r, q, s, ro)
        """,
        [
          rows.map(\.keyID), rows.map(\.tenant), rows.map(\.method), rows.map(\.code),
          rows.map { String($0.milliseconds) }, rows.map { String($0.at.timeIntervalSince1970) },
          rows.map(\.recordID), rows.map(\.requestID), rows.map(\.sourceAddress),
          rows.map { $0.readOnly ? "true" : "false" },
        ]
      )
    }
  }

  /// Waits for graceful shutdown, then gives the queue up to 10 s to be written (the flusher is
  /// already at work; this only keeps the process up for it).
  func run() async throws {
    try? await gracefulShutdown()
    let end = ContinuousClock.now + .seconds(10)
    while self.pending > 0, ContinuousClock.now < end {
      try? await Task.sleep(for: .milliseconds(50))
    }
    if self.pending > 0 {
      self.logger.error("audit rows not written at shutdown", metadata: ["rows": "\(self.pending)"])
    }
  }
}

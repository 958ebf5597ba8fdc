public import ERPStore
import Foundation
import GRPCCore
public import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Delivers outbox messages: right after the transaction that wrote them (`deliverWritten`,
/// called by the handler), and in the background for whatever that could not deliver (the
/// receiver down, the process killed). At start-up it looks at every tenant once; after that it
/// only visits tenants it was told about, so an idle system with many tenants costs nothing.
/// A failed delivery is retried with exponential back-off (1 s doubling to 5 min); the message
/// shows its attempts and last error in the table.
///
/// The background loop sleeps until the earliest planned visit (``RelaySchedule``): a
/// message waiting out its back-off costs nothing until it is due, and a new write wakes the
/// loop. While a peer is unreachable one of its messages is probed every `probeInterval`;
/// once a delivery to the peer succeeds, that peer's backed-off messages are retried at once.
public final class OutboxRelay: Service, Sendable {
  /// Sends one message and returns what the receiver answered (stored as `result`). It runs with
  /// the message's tenant in ``RequestContext``, so peer calls carry that tenant.
  public typealias Deliver = @Sendable (TenantID, OutboxMessage) async throws -> String

  private let pool: ConnectionPool
  private let logger: Logger
  private let deliver: Deliver
  private let interval: Duration
  private let probeInterval: Duration
  private let schedule = NIOLockedValueBox(RelaySchedule())
  private let wakeups = Wakeups()
  private let metrics: OutboxMetrics?

  /// `interval`: how long to wait before reading an outbox again after the read failed (the
  /// database down, a migration not run yet). `probeInterval`: how often a peer that is down
  /// is tried again. `metrics`: the service's, for deliveries, retries and the backlog
  /// (``OutboxMetrics``); none when nil.
  public init(
    pool: ConnectionPool,
    logger: Logger,
    metrics: ServiceMetrics? = nil,
    interval: Duration = .seconds(1),
    probeInterval: Duration = .seconds(1),
    deliver: @escaping Deliver
  ) {
    self.metrics = metrics.map(OutboxMetrics.init)
    self.pool = pool
    self.logger = logger
    self.interval = interval
    self.probeInterval = probeInterval
    self.deliver = deliver
  }

  /// Delivers, right after the handler's transaction, the messages this handler wrote (the
  /// keys ``Outbox/enqueue`` noted in the handler's frame, see ``inCallingTenant``); other
  /// pending messages are the background loop's, so concurrent handlers do not each deliver
  /// all of them. Outside a handler's frame it delivers everything pending. Returns how many of
  /// those messages are still undelivered; failures are recorded, never thrown: the change that
  /// wrote the message has committed and stands.
  @discardableResult
  public func deliverWritten(_ tenant: TenantID) async -> Int {
    guard let written = Outbox.written else { return await self.deliverPending(tenant) }
    let keys = written.take()
    guard !keys.isEmpty else { return 0 }
    return await self.deliver(
      tenant,
      "key = ANY($1::text[]) AND delivered_at IS NULL",
      [keys]
    )
  }

  /// Delivers the tenant's due messages in the order they were written and returns how many
  /// are still undelivered (0 when everything went through; messages waiting out a back-off
  /// count as undelivered). Failures are recorded, never thrown.
  @discardableResult
  public func deliverPending(_ tenant: TenantID) async -> Int {
    await self.deliver(tenant, "delivered_at IS NULL", [])
  }

  /// Delivers the due messages among those `condition` selects (all of them, for a probe),
  /// then plans the next visit of the tenant at the earliest back-off left.
  private func deliver(
    _ tenant: TenantID,
    _ condition: String,
    _ parameters: [(any PostgresEncodable)?],
    probe: Bool = false
  ) async -> Int {
    let pending: [PostgresRow]
    let due: [OutboxMessage]
    var wait: Duration?
    do {
      pending = try await self.pool.tenantQuery(
        tenant,
        "SELECT id, topic, key, payload::text AS payload, attempts, traceparent, tracestate, "
          + "next_attempt_at <= now() AS due, \(Self.waitMilliseconds) FROM outbox "
          + "WHERE \(condition) ORDER BY id LIMIT 100",
        parameters
      )
      var messages: [OutboxMessage] = []
      for row in pending {
        let isDue = try row.decode("due", as: Bool.self)
        guard probe || isDue else {
          wait = Self.earlier(wait, .milliseconds(try row.decode("wait_ms", as: Int64.self)))
          continue
        }
        messages.append(
          OutboxMessage(
            id: try row.decode("id"),
            topic: try row.decode("topic"),
            key: try row.decode("key"),
            payload: try row.decode("payload"),
            attempts: try row.decode("attempts"),
            traceparent: try row.decodeIfPresent("traceparent", as: String.self),
            tracestate: try row.decodeIfPresent("tracestate", as: String.self)
          )
        )
      }
      due = messages
    } catch {
      self.logger.warning("outbox of \(tenant.slug): \(error)")
      self.plan(tenant, after: self.interval)
      return 1
    }
    var undelivered = 0
    for message in due {
      let peer = RelaySchedule.peer(ofTopic: message.topic)
      let span = OutboxTrace.startDelivery(message, tenant: tenant)
      defer { span?.end() }
      do {
        let result = try await RequestContext.$tenant.withValue(tenant) {
          try await RequestContext.$deadline.withValue(.now + .seconds(10)) {
            try await OutboxTrace.within(span) { try await self.deliver(tenant, message) }
          }
        }
        _ = try await self.pool.tenantQuery(
          tenant,
          "UPDATE outbox SET delivered_at = now(), result = $2, last_error = NULL "
            + "WHERE id = $1 AND delivered_at IS NULL",
          [message.id, result]
        )
        self.metrics?.delivered(message.topic)
        let released = self.schedule.withLockedValue { $0.reached(peer) }
        for other in released { await self.release(other, peer: peer) }
      } catch {
        undelivered += 1
        self.metrics?.failed(message.topic)
        self.logger.warning(
          "outbox \(message.topic) \(message.key) of \(tenant.slug): attempt \(message.attempts + 1) failed: \(error)"
        )
        if Self.unreachable(error) {
          let probeAt = ContinuousClock.now + self.probeInterval
          self.schedule.withLockedValue {
            $0.unreachable(peer, tenant: tenant, messageID: message.id, probeAt: probeAt)
          }
        }
        OutboxTrace.failed(span, error)
        // A probe that failed changes nothing: the message keeps its own back-off.
        guard !probe else { continue }
        let backoff = try? await self.pool.tenantQuery(
          tenant,
          "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
            + "next_attempt_at = now() + least(interval '1 second' * power(2, attempts), "
            + "interval '5 minutes') WHERE id = $1 RETURNING \(Self.waitMilliseconds)",
          [message.id, String(describing: error)]
        )
        let milliseconds = (try? backoff?.first?.decode("wait_ms", as: Int64.self)) ?? 1_000
        OutboxTrace.retryScheduled(span, message, backoffMilliseconds: milliseconds)
        wait = Self.earlier(wait, .milliseconds(milliseconds))
      }
    }
    if let metrics = self.metrics,
      undelivered > 0 || parameters.isEmpty || probe || metrics.hasBacklog(tenant)
    {
      await self.readBacklog(tenant, into: metrics)
    }
    if pending.count == 100 {
      self.plan(tenant, after: .zero)  // more than one batch
    } else if let wait {
      self.plan(tenant, after: wait)  // messages waiting out their back-off
    } else {
      self.wakeups.poke()  // a probe or a release may have changed the plan
    }
    return probe ? undelivered : pending.count - due.count + undelivered
  }

  /// Reads how many messages the tenant has pending and when the oldest was written, for the
  /// gauges (``OutboxMetrics``); left as it was when the read fails.
  private func readBacklog(_ tenant: TenantID, into metrics: OutboxMetrics) async {
    guard
      let row = try? await self.pool.tenantQuery(
        tenant,
        "SELECT count(*)::bigint AS pending, "
          + "(extract(epoch FROM min(created_at)) * 1000)::bigint AS oldest_ms "
          + "FROM outbox WHERE delivered_at IS NULL"
      ).first,
      let pending = try? row.decode("pending", as: Int64.self)
    else { return }
    let oldest = (try? row.decodeIfPresent("oldest_ms", as: Int64.self)) ?? nil
    metrics.set(
      tenant,
      OutboxMetrics.Backlog(
        pending: Int(pending),
        oldest: oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) }
      )
    )
  }

  /// How long a row's message still waits, for the schedule.
  private static let waitMilliseconds =
    "greatest(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::bigint AS wait_ms"

  private static func earlier(_ a: Duration?, _ b: Duration) -> Duration { min(a ?? b, b) }

  /// A failure that says the receiver cannot be reached now (rather than that it refused the
  /// message, or that the message cannot be read): what a probe waits out.
  private static func unreachable(_ error: any Error) -> Bool {
    guard let error = error as? RPCError else { return false }
    return error.code == .unavailable || error.code == .deadlineExceeded
  }

  /// The peer answers again: the tenant's messages for it that wait out a back-off are due now.
  private func release(_ tenant: TenantID, peer: String) async {
    _ = try? await self.pool.tenantQuery(
      tenant,
      "UPDATE outbox SET next_attempt_at = now() WHERE delivered_at IS NULL "
        + "AND next_attempt_at > now() AND split_part(topic, '.', 1) = $1",
      [peer]
    )
    self.plan(tenant, after: .zero)
  }

  /// Asks the background loop to look at the tenant's outbox.
  public func visitLater(_ tenant: TenantID) { self.plan(tenant, after: .zero) }

  private func plan(_ tenant: TenantID, after delay: Duration) {
    let at = ContinuousClock.now + delay
    self.schedule.withLockedValue { $0.visit(tenant, at: at) }
    self.wakeups.poke()
  }

  public func run() async throws {
    await withGracefulShutdownHandler {
      await withTaskGroup(of: Void.self) { group in
        group.addTask {
          while !Task.isCancelled {
            if await self.visitEveryTenantWithWork() { break }
            try? await Task.sleep(for: self.interval)
          }
        }
        for await _ in self.wakeups.stream {
          while !Task.isCancelled {
            let (tenants, probes) = self.schedule.withLockedValue { $0.takeDue(.now) }
            if tenants.isEmpty && probes.isEmpty { break }
            for probe in probes {
              _ = await self.deliver(
                probe.tenant,
                "id = $1 AND delivered_at IS NULL",
                [probe.messageID],
                probe: true
              )
            }
            for tenant in tenants { await self.deliverPending(tenant) }
          }
          self.wakeups.arm(at: self.schedule.withLockedValue { $0.earliest })
        }
        group.cancelAll()
      }
    } onGracefulShutdown: {
      self.wakeups.finish()
    }
    self.wakeups.arm(at: nil)
  }

  /// Start-up: every tenant with undelivered messages (left by a crash or a receiver that was
  /// down) is put on the list, and so is one whose outbox cannot be read yet (its migration
  /// has not run): visiting it retries. False when the tenants cannot be listed yet.
  private func visitEveryTenantWithWork() async -> Bool {
    let tenants: [TenantDescription]
    do {
      tenants = try await self.pool.listTenants()
    } catch {
      self.logger.warning("outbox: cannot list tenants yet: \(error)")
      return false
    }
    for description in tenants {
      let pending = try? await self.pool.tenantQuery(
        description.tenant,
        "SELECT 1 FROM outbox WHERE delivered_at IS NULL LIMIT 1"
      )
      if pending?.isEmpty != true { self.visitLater(description.tenant) }
    }
    return true
  }
}

import AsyncHTTPClient
import ERPRuntime
import ERPStore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Sends the gateway's pending webhook deliveries, as a background worker of the gateway. It
/// sleeps until the earliest `next_attempt_at` of a pending delivery, and wakes at once when an
/// event, a test or a redelivery is queued (``poke()``). Each pass claims the due deliveries
/// (`FOR UPDATE SKIP LOCKED`, then moved a lease ahead, so replicas never attempt the same one
/// at once and one that crashed mid-attempt is picked up after the lease), attempts them
/// concurrently, and records each attempt and what ``WebhookBackoff`` decides. A 2xx from a
/// disabled subscription (a test or a redelivery) enables it again.
final class WebhookDispatcher: Service, Sendable {
  private let pool: ConnectionPool
  private let settings: WebhookSettings
  private let sealing: WebhookSealing
  private let logger: Logger
  private let wakeups = Wakeups()

  init(pool: ConnectionPool, settings: WebhookSettings, sealing: WebhookSealing, logger: Logger) {
    self.pool = pool
    self.settings = settings
    self.sealing = sealing
    self.logger = logger
  }

  /// New work: look now.
  func poke() { self.wakeups.poke() }

  func run() async throws {
    var configuration = HTTPClient.Configuration(
      redirectConfiguration: .disallow,
      timeout: .init(
        connect: .milliseconds(WebhookBackoff.milliseconds(self.settings.connectTimeout)),
        read: .milliseconds(WebhookBackoff.milliseconds(self.settings.timeout))
      )
    )
    configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit =
      self.settings.concurrency
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    let sender = WebhookSender(client: client, settings: self.settings)
    self.wakeups.poke()  // what was due while the gateway was down
    await withGracefulShutdownHandler {
      for await _ in self.wakeups.stream {
        await self.pass(sender)
      }
    } onGracefulShutdown: {
      self.wakeups.finish()
    }
    try? await client.shutdown()
  }

  /// Attempts everything due, batch by batch, then arms the timer for the next due delivery.
  private func pass(_ sender: WebhookSender) async {
    while !Task.isCancelled {
      let due: [Claimed]
      do {
        due = try await self.claim()
      } catch {
        self.logger.warning("webhooks: cannot read the deliveries: \(error)")
        self.wakeups.arm(at: .now + .seconds(1))
        return
      }
      if due.isEmpty { break }
      await withTaskGroup(of: Void.self) { group in
        for delivery in due { group.addTask { await self.attempt(delivery, sender) } }
      }
    }
    let wait = try? await self.pool.withSession { session in
      try await session.query(
        """
        SELECT greatest(0, ceil(extract(epoch FROM min(next_attempt_at) - now()) * 1000))::bigint
          AS wait_ms FROM gateway.webhook_delivery WHERE status = 'pending'
        """
      ).first?.decodeIfPresent("wait_ms", as: Int64.self)
    }
    self.wakeups.arm(at: (wait ?? nil).map { .now + .milliseconds($0) })
  }

  struct Claimed: Sendable {
    var id: String
    var tenant: String
    var subscription: String
    var event: String
    var attempt: Int
    var url: String
    var sealedSecret: String
    var body: String
    var failures: Int
    var failingForMilliseconds: Int64
  }

  /// Claims up to `concurrency` due deliveries, leasing them.
  private func claim() async throws -> [Claimed] {
    let rows = try await self.pool.withSession { session in
      try await session.query(
        """
        WITH claimed AS (
          UPDATE gateway.webhook_delivery d
          SET next_attempt_at = now() + $2 * interval '1 millisecond'
          WHERE d.id IN (
            SELECT id FROM gateway.webhook_delivery
            WHERE status = 'pending' AND next_attempt_at <= now()
            ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING d.id, d.tenant_id, d.subscription_id, d.event_id, d.attempts,
            d.failing_since
        )
        SELECT c.id, c.tenant_id, c.subscription_id, c.event_id, c.attempts, s.url,
          s.sealed_secret, e.body,
          (SELECT count(*) FROM gateway.webhook_attempt a
            WHERE a.delivery_id = c.id AND a.attempted_at >= c.failing_since)::bigint AS failures,
          coalesce((extract(epoch FROM now() - c.failing_since) * 1000)::bigint, 0) AS failing_ms
        FROM claimed c
        JOIN gateway.webhook_subscription s ON s.id = c.subscription_id
        JOIN gateway.webhook_event e ON e.tenant_id = c.tenant_id AND e.id = c.event_id
        """,
        [self.settings.concurrency, WebhookBackoff.milliseconds(self.settings.lease)]
      )
    }
    return try rows.map { row in
      Claimed(
        id: try row.decode("id"),
        tenant: try row.decode("tenant_id"),
        subscription: try row.decode("subscription_id"),
        event: try row.decode("event_id"),
        attempt: try row.decode("attempts", as: Int.self) + 1,
        url: try row.decode("url"),
        sealedSecret: try row.decode("sealed_secret"),
        body: try row.decode("body"),
        failures: Int(try row.decode("failures", as: Int64.self)),
        failingForMilliseconds: try row.decode("failing_ms")
      )
    }
  }

  private func attempt(_ delivery: Claimed, _ sender: WebhookSender) async {
    let result: WebhookSender.Attempt
    do {
      let secret = try self.sealing.open(delivery.sealedSecret, subscription: delivery.subscription)
      result = await sender.send(
        url: delivery.url,
        id: delivery.event,
        body: delivery.body,
        secret: secret
      )
    } catch {
      // The services' secret changed since the subscription was made: its secret is lost.
      result = WebhookSender.Attempt(
        outcome: .noAnswer,
        status: 0,
        latencyMilliseconds: 0,
        excerpt: "",
        error: "the signing secret cannot be opened (the services' secret changed)"
      )
    }
    let decision = self.settings.backoff.decide(
      result.outcome,
      failures: delivery.failures + 1,
      failingFor: .milliseconds(delivery.failingForMilliseconds),
      random: Double.random(in: 0..<1)
    )
    do {
      try await self.record(delivery, result, decision)
    } catch {
      // Deleted meanwhile (its subscription was), or the database is away: the lease makes it
      // due again if it still exists.
      self.logger.warning("webhooks: attempt of \(delivery.id) not recorded: \(error)")
    }
  }

  private func record(
    _ delivery: Claimed,
    _ result: WebhookSender.Attempt,
    _ decision: WebhookBackoff.Decision
  ) async throws {
    try await self.pool.withTransaction { session in
      try await session.query(
        """
        INSERT INTO gateway.webhook_attempt (delivery_id, attempt, http_status, latency_ms,
          response_excerpt, error)
        SELECT $1, coalesce(max(attempt), 0) + 1, $2, $3, $4, $5
        FROM gateway.webhook_attempt WHERE delivery_id = $1
        """,
        [delivery.id, result.status, result.latencyMilliseconds, result.excerpt, result.error]
      )
      switch decision {
      case .delivered:
        try await session.query(
          """
          UPDATE gateway.webhook_delivery SET status = 'delivered', attempts = attempts + 1,
            failing_since = NULL WHERE id = $1
          """,
          [delivery.id]
        )
        try await session.query(
          "UPDATE gateway.webhook_subscription SET disabled_reason = '' WHERE id = $1 "
            + "AND disabled_reason <> ''",
          [delivery.subscription]
        )
      case .retry(let after):
        try await session.query(
          """
          UPDATE gateway.webhook_delivery SET attempts = attempts + 1,
            failing_since = coalesce(failing_since, now()),
            next_attempt_at = now() + $2 * interval '1 millisecond'
          WHERE id = $1 AND status = 'pending'
          """,
          [delivery.id, WebhookBackoff.milliseconds(after)]
        )
      case .failed(let reason):
        try await session.query(
          """
          UPDATE gateway.webhook_delivery SET status = 'failed', attempts = attempts + 1,
            failing_since = coalesce(failing_since, now()) WHERE id = $1
          """,
          [delivery.id]
        )
        try await session.query(
          "UPDATE gateway.webhook_subscription SET disabled_reason = $2 WHERE id = $1",
          [delivery.subscription, reason]
        )
        try await session.query(
          """
          UPDATE gateway.webhook_delivery SET status = 'failed'
          WHERE subscription_id = $1 AND status = 'pending' AND id <> $2
          """,
          [delivery.subscription, delivery.id]
        )
      }
    }
  }
}

public import ERPStore
public import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle

/// Delivers outbox messages: right after the transaction that wrote them (`deliverWritten`,
/// called by the handler), and in the background for whatever that could not deliver (the
/// receiver down, the process killed). At start-up it looks at every tenant once; after that it
/// only visits tenants it was told about, so an idle system with many tenants costs nothing.
/// A failed delivery is retried with exponential back-off (1 s doubling to 5 min); the message
/// shows its attempts and last error in the table.
public final class OutboxRelay: Service, Sendable {
  /// Sends one message and returns what the receiver answered (stored as `result`). It runs with
  /// the message's tenant in ``RequestContext``, so peer calls carry that tenant.
  public typealias Deliver = @Sendable (TenantID, OutboxMessage) async throws -> String

  private let pool: ConnectionPool
  private let logger: Logger
  private let deliver: Deliver
  private let interval: Duration
  private let tenantsToVisit = NIOLockedValueBox<Set<TenantID>>([])
  private let wake: AsyncStream<Void>.Continuation
  private let wakes: AsyncStream<Void>

  public init(
    pool: ConnectionPool,
    logger: Logger,
    interval: Duration = .seconds(1),
    deliver: @escaping Deliver
  ) {
    self.pool = pool
    self.logger = logger
    self.interval = interval
    self.deliver = deliver
    (self.wakes, self.wake) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
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

  private func deliver(
    _ tenant: TenantID,
    _ condition: String,
    _ parameters: [(any PostgresEncodable)?]
  ) async -> Int {
    let pending: [PostgresRow]
    let due: [OutboxMessage]
    do {
      pending = try await self.pool.tenantQuery(
        tenant,
        "SELECT id, topic, key, payload::text AS payload, attempts, "
          + "next_attempt_at <= now() AS due FROM outbox "
          + "WHERE \(condition) ORDER BY id LIMIT 100",
        parameters
      )
      due = try pending.filter { try $0.decode("due", as: Bool.self) }.map { row in
        OutboxMessage(
          id: try row.decode("id"),
          topic: try row.decode("topic"),
          key: try row.decode("key"),
          payload: try row.decode("payload"),
          attempts: try row.decode("attempts")
        )
      }
    } catch {
      self.logger.warning("outbox of \(tenant.slug): \(error)")
      self.visitLater(tenant)
      return 1
    }
    var undelivered = 0
    for message in due {
      do {
        let result = try await RequestContext.$tenant.withValue(tenant) {
          try await RequestContext.$deadline.withValue(.now + .seconds(10)) {
            try await self.deliver(tenant, message)
          }
        }
        _ = try await self.pool.tenantQuery(
          tenant,
          "UPDATE outbox SET delivered_at = now(), result = $2, last_error = NULL "
            + "WHERE id = $1 AND delivered_at IS NULL",
          [message.id, result]
        )
      } catch {
        undelivered += 1
        self.logger.warning(
          "outbox \(message.topic) \(message.key) of \(tenant.slug): attempt \(message.attempts + 1) failed: \(error)"
        )
        _ = try? await self.pool.tenantQuery(
          tenant,
          "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
            + "next_attempt_at = now() + least(interval '1 second' * power(2, attempts), "
            + "interval '5 minutes') WHERE id = $1",
          [message.id, String(describing: error)]
        )
      }
    }
    // Messages waiting out their back-off, or more than one batch: come back on a later tick.
    let left = pending.count - due.count + undelivered
    if left > 0 || pending.count == 100 { self.visitLater(tenant) }
    return left
  }

  /// Asks the background loop to look at the tenant's outbox.
  public func visitLater(_ tenant: TenantID) {
    self.tenantsToVisit.withLockedValue { _ = $0.insert(tenant) }
    self.wake.yield()
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
        group.addTask {
          while !Task.isCancelled {
            try? await Task.sleep(for: self.interval)
            self.wake.yield()
          }
        }
        for await _ in self.wakes {
          let tenants = self.tenantsToVisit.withLockedValue { visiting in
            defer { visiting.removeAll() }
            return visiting
          }
          for tenant in tenants { await self.deliverPending(tenant) }
        }
        group.cancelAll()
      }
    } onGracefulShutdown: {
      self.wake.finish()
    }
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

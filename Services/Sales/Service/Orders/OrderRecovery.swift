import ERPRuntime
import ERPStore
import GRPCCore
import Logging
import ServiceLifecycle

/// Finishes what was left between two services, for as long as the service runs: orders still
/// confirming (their reservations are made again, idempotently, then the order is confirmed,
/// or undone if a line cannot be reserved), orders still cancelling, shipments and returns the
/// supply chain has not answered. At start-up every tenant is looked at; after that a tenant
/// is resumed when a handler left a step half way (a peer unreachable, the call cut off) or a
/// CancelOrder waits for a confirmation. A tenant that does not finish is tried again with a
/// bounded back-off (``RecoveryQueue``) until it does; the worker sleeps in between.
final class OrderRecovery: Service, Sendable {
  private let context: SalesContext
  private let logger: Logger

  init(context: SalesContext, logger: Logger) {
    self.context = context
    self.logger = logger
  }

  private var queue: RecoveryQueue { self.context.recovery }

  func run() async throws {
    await cancelWhenGracefulShutdown {
      var tenants: [TenantID]? = nil
      while tenants == nil && !Task.isCancelled {
        tenants = try? await self.context.pool.listTenants().map(\.tenant)
        if tenants == nil { try? await Task.sleep(for: .seconds(2)) }
      }
      for tenant in tenants ?? [] { self.queue.soon(tenant) }
      for await _ in self.queue.wakeups.stream {
        while !Task.isCancelled {
          let due = self.queue.takeDue()
          if due.isEmpty { break }
          for (tenant, backoff) in due {
            if await !self.resume(tenant) { self.queue.retry(tenant, after: backoff) }
          }
        }
        self.queue.wakeups.arm(at: self.queue.earliest)
      }
    }
    self.queue.wakeups.arm(at: nil)
  }

  /// Resumes the tenant's unfinished steps; returns true when none is left. Peer calls carry
  /// the tenant, as they would from a handler.
  @discardableResult
  func resume(_ tenant: TenantID) async -> Bool {
    await RequestContext.$tenant.withValue(tenant) { await self.resumeInContext(tenant) }
  }

  private func resumeInContext(_ tenant: TenantID) async -> Bool {
    do {
      var finished = true
      for (number, progress) in try await OrderStore.inProgress(self.context.pool, tenant) {
        do {
          let recovered = try await self.queue.drivingIfIdle(tenant, number) {
            if progress == .confirming {
              try await Confirmation.finishConfirming(self.context, tenant, number: number)
            } else {
              try await Confirmation.finishCancelling(self.context, tenant, number: number)
            }
          }
          guard recovered else {
            finished = false  // a handler is on it; look again after it
            continue
          }
          self.logger.info("recovered \(number) of \(tenant.slug)")
        } catch let error as RPCError where error.code == .failedPrecondition {
          self.logger.info("recovery undid the confirmation of \(number): \(error)")
        }
      }
      for (id, number) in try await OrderStore.requestedFulfilments(self.context.pool, tenant) {
        let done = try await self.queue.drivingIfIdle(tenant, number) {
          try await Fulfilment.finish(self.context, tenant, fulfilment: id)
        }
        if !done { finished = false }  // its handler finishes it and answers with the document
      }
      return finished
    } catch {
      self.logger.warning("recovery of \(tenant.slug) will be retried: \(error)")
      return false
    }
  }
}

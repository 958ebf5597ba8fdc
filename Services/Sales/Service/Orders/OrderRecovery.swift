import ERPRuntime
import ERPStore
import GRPCCore
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Finishes, at start-up, what a crash left between two services: orders still confirming
/// (their reservations are made again, idempotently, then the order is confirmed, or undone if
/// a line cannot be reserved), orders still cancelling, shipments and returns the supply chain
/// may not have answered. A tenant whose work fails for now (a peer down, a migration not
/// run yet) is tried again every few seconds until it goes through.
final class OrderRecovery: Service, Sendable {
  private let context: SalesContext
  private let logger: Logger
  private let retry = NIOLockedValueBox<Set<TenantID>>([])

  init(context: SalesContext, logger: Logger) {
    self.context = context
    self.logger = logger
  }

  func run() async throws {
    await cancelWhenGracefulShutdown {
      var tenants: [TenantID]? = nil
      while tenants == nil && !Task.isCancelled {
        tenants = try? await self.context.pool.listTenants().map(\.tenant)
        if tenants == nil { try? await Task.sleep(for: .seconds(2)) }
      }
      for tenant in tenants ?? [] { await self.resume(tenant) }
      while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(5))
        let again = self.retry.withLockedValue { pending in
          defer { pending.removeAll() }
          return pending
        }
        for tenant in again { await self.resume(tenant) }
      }
    }
  }

  /// Resumes the tenant's unfinished steps; returns true when none is left. Peer calls carry
  /// the tenant, as they would from a handler.
  @discardableResult
  func resume(_ tenant: TenantID) async -> Bool {
    await RequestContext.$tenant.withValue(tenant) { await self.resumeInContext(tenant) }
  }

  private func resumeInContext(_ tenant: TenantID) async -> Bool {
    do {
      let orders = try await self.context.pool.tenantQuery(
        tenant,
        "SELECT number, progress FROM sales_order WHERE progress <> 'idle' ORDER BY id"
      )
      for order in orders {
        let number: String = try order.decode("number")
        do {
          if try order.decode("progress", as: String.self) == "confirming" {
            try await Confirmation.finishConfirming(self.context, tenant, number: number)
          } else {
            try await Confirmation.finishCancelling(self.context, tenant, number: number)
          }
          self.logger.info("recovered \(number) of \(tenant.slug)")
        } catch let error as RPCError where error.code == .failedPrecondition {
          self.logger.info("recovery undid the confirmation of \(number): \(error)")
        }
      }
      let fulfilments = try await self.context.pool.tenantQuery(
        tenant,
        "SELECT id FROM sales_fulfilment WHERE state = 'requested' ORDER BY id"
      )
      for fulfilment in fulfilments {
        try await Fulfilment.finish(self.context, tenant, fulfilment: try fulfilment.decode("id"))
      }
      return true
    } catch {
      self.logger.warning("recovery of \(tenant.slug) will be retried: \(error)")
      self.retry.withLockedValue { _ = $0.insert(tenant) }
      return false
    }
  }
}

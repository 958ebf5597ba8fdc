public import ERPStore
public import GRPCCore
import NIOConcurrencyHelpers

/// Requires `x-erp-tenant` on every call to a tenant-scoped service: validated as a slug
/// (INVALID_ARGUMENT naming the metadata key) and provisioned in this service's database
/// (NOT_FOUND otherwise). The tenant, request id and deadline then reach the handler through
/// ``RequestContext``. Services listed in `exempt` (TenantAdmin: its tenant is in the request)
/// pass through with only the request id and deadline recorded.
public struct TenantInterceptor: ServerInterceptor {
  private let pool: ConnectionPool
  private let exempt: Set<String>
  private let known: KnownTenants

  public init(pool: ConnectionPool, exemptServices: Set<String> = ["erp.common.v1.TenantAdmin"]) {
    self.pool = pool
    self.exempt = exemptServices
    self.known = KnownTenants()
  }

  public func intercept<Input: Sendable, Output: Sendable>(
    request: StreamingServerRequest<Input>,
    context: ServerContext,
    next:
      @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
      StreamingServerResponse<Output>
  ) async throws -> StreamingServerResponse<Output> {
    let exempt = self.exempt.contains(context.descriptor.service.fullyQualifiedService)
    let tenant = exempt ? nil : try await self.provisionedTenant(in: request.metadata)
    return try await RequestContext.binding(
      tenant: tenant,
      request: request,
      context: context,
      next
    )
  }

  /// The call's tenant: present, valid, and provisioned in this service's database.
  private func provisionedTenant(in metadata: Metadata) async throws -> TenantID {
    guard let raw = metadata.firstString(MetadataKeys.tenant) else {
      throw RPCError(code: .invalidArgument, message: "\(MetadataKeys.tenant) metadata is required")
    }
    let tenant: TenantID
    do {
      tenant = try TenantID(validating: raw)
    } catch {
      throw RPCError(code: .invalidArgument, message: "\(MetadataKeys.tenant): \(error.message)")
    }
    if !self.known.contains(tenant) {
      _ = try await mappingStoreErrors { try await self.pool.describe(tenant) }
      self.known.insert(tenant)
    }
    return tenant
  }
}

/// Tenants seen provisioned, so most calls cost no database round trip. Only positive answers
/// are kept (a tenant provisioned a moment ago is found at once), for `lifetime`, after which a
/// deprovisioned tenant is refused again.
final class KnownTenants: Sendable {
  private let lifetime: Duration
  private let entries = NIOLockedValueBox<[TenantID: ContinuousClock.Instant]>([:])

  init(lifetime: Duration = .seconds(30)) {
    self.lifetime = lifetime
  }

  func contains(_ tenant: TenantID) -> Bool {
    self.entries.withLockedValue { entries in
      guard let expiry = entries[tenant] else { return false }
      if expiry < .now {
        entries[tenant] = nil
        return false
      }
      return true
    }
  }

  func insert(_ tenant: TenantID) {
    self.entries.withLockedValue { $0[tenant] = .now + self.lifetime }
  }
}

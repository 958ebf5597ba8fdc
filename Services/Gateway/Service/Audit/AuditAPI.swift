import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// The `Audit` API, in the caller's tenant: one record's history from the service owning it,
/// and the search of the gateway's audit trail (``AuditSearch``).
struct AuditAPI: Erp_Gateway_V1_Audit.SimpleServiceProtocol {
  let pool: ConnectionPool
  let peers: PeerClients

  func history(
    request: Erp_Gateway_V1_HistoryRequest,
    context: ServerContext
  ) async throws -> Erp_Common_V1_ListHistoryResponse {
    let domain = try AuditScope.domain(
      of: request.recordType,
      scopes: RequestContext.caller?.scopes ?? GrantedScopes.current
    )
    try RecordHistory.check(type: request.recordType, id: request.recordID)
    var forwarded = Erp_Common_V1_ListHistoryRequest()
    forwarded.recordType = request.recordType
    forwarded.recordID = request.recordID
    forwarded.page = request.page
    do {
      let client = try self.peers.connection(to: domain)
      return try await Erp_Common_V1_RecordHistory.Client(wrapping: client).listHistory(forwarded)
    } catch {
      throw PartnerFacingError.rpcError(for: error, service: domain.rawValue)
    }
  }

  func searchAudit(
    request: Erp_Gateway_V1_SearchAuditRequest,
    context: ServerContext
  ) async throws -> Erp_Gateway_V1_SearchAuditResponse {
    let tenant = try RequestContext.requireTenant()
    let query = try AuditSearch(request)
    return try await mappingStoreErrors { try await query.run(self.pool, tenant: tenant) }
  }
}

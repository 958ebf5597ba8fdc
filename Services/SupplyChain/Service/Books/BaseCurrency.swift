import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore
import Synchronization

/// The currency stock is valued in: the books' base currency, asked of finance the first time
/// and kept in `setting` (finance refuses to change a base currency once it has postings), and
/// in this process's memory after the first read, since it never changes once known.
enum BaseCurrency {
  private static let known = Mutex<[TenantID: Currency]>([:])

  static func of(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ peers: PeerClients
  ) async throws -> Currency {
    if let currency = Self.known.withLock({ $0[tenant] }) { return currency }
    let currency = try await Self.read(pool, tenant, peers)
    Self.known.withLock { $0[tenant] = currency }
    return currency
  }

  private static func read(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ peers: PeerClients
  ) async throws -> Currency {
    let cached = try await pool.tenantQuery(
      tenant,
      "SELECT value FROM setting WHERE key = 'base_currency'"
    )
    if let row = cached.first, let currency = Currency(code: try row.decode("value")) {
      return currency
    }
    let ledger = try peers.finance.ledger
    let settings = try await ledger.getSettings(Erp_Finance_V1_GetSettingsRequest())
    guard let currency = Currency(code: settings.baseCurrency) else {
      throw RPCError(
        code: .failedPrecondition,
        message: "finance has no base currency for this tenant yet (Ledger.SetBaseCurrency)"
      )
    }
    _ = try await pool.tenantQuery(
      tenant,
      "INSERT INTO setting (key, value) VALUES ('base_currency', $1) ON CONFLICT DO NOTHING",
      [currency.code]
    )
    return currency
  }
}

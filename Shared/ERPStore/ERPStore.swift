/// PostgreSQL for the services, through libpq.
///
/// **Blocking strategy.** libpq's calls block. Every call on a connection runs on a dedicated
/// `NIOThreadPool` with one thread per pooled connection, never on a NIO event loop or Swift's
/// cooperative pool, and callers `await` it. With as many threads as connections, a query never
/// waits for a thread, only (as it must) for a connection. This was chosen over libpq's
/// non-blocking mode driven by socket readiness (psycopg 3's way) because it keeps each query one
/// thread hop on the way in and one on the way out, whatever libpq does in between (connection
/// set-up, TLS, COPY), with far less code to get wrong.
///
/// Tenancy (ARCHITECTURE §4): `ConnectionPool.withTenant(_:_:)` runs one transaction that
/// begins with `SET LOCAL ROLE` to the tenant's role and `SET LOCAL search_path` to its schema,
/// both in the same round trip as `BEGIN`.
/// Layout: `ConnectionPool` (the pool; its decisions are `PoolStateMachine`'s, a pure state
/// machine), `Transactions` (transactions, tenant transactions and the one-round-trip tenant
/// query), `Tenancy` (provisioning and finding tenants), `Migrator` (versioned migrations per
/// tenant schema). Errors are `PostgresError` (what the server said) and `StoreError` (what the
/// store itself refused); the store knows nothing of RPC, the runtime maps both to statuses.
public enum ERPStore {}

import CLibPQ
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Its methods block, and are only called on the pool's thread pool by the
/// one task that holds the connection.
///
/// `@unchecked Sendable`: the `PGconn` pointer is not thread-safe, but the pool hands a
/// connection to one holder at a time, and that holder runs each call to completion on a thread
/// of the pool before making the next, so no two threads ever use it at once.
///
/// The exceptions are ``requestCancel()``, which any thread may call while a statement runs: it
/// uses only libpq's `PGcancel` object, which libpq documents as safe for that, and a locked flag.
final class PostgresConnection: @unchecked Sendable {
  private let handle: OpaquePointer
  /// For `PQcancel`: made once at connect time, freed with the connection.
  private let cancelHandle: OpaquePointer?
  private let cancelled = NIOLockedValueBox(false)
  let createdAt: NIODeadline
  var lastUsed: NIODeadline

  /// Connects (blocking). `conninfo` is a libpq connection string or `postgresql://` URL.
  ///
  /// The session starts in UTC (`options=-c TimeZone=UTC`, added after the caller's settings), so
  /// that `RESET ALL` at the end of each transaction also brings the time zone back to UTC.
  /// TCP keepalives and `tcp_user_timeout` are on by default (``keepaliveDefaults``, placed
  /// before the caller's settings, which therefore win): a peer that vanished without a FIN
  /// (a cut network, a frozen host) is noticed within about a minute instead of hours.
  ///
  /// Behind PgBouncer in transaction mode (``pooled``) the connection is made without `options`
  /// and runs every statement unnamed; see ``pooled`` for why.
  init(conninfo: String) throws(PostgresError) {
    let forcedPooled = getenv("ERP_DATABASE_POOLED").map { String(cString: $0) } == "1"
    var handle = try Self.connect(conninfo, options: forcedPooled ? nil : "-c TimeZone=UTC")
    var pooled = forcedPooled
    if !pooled, PQstatus(handle) != CONNECTION_OK,
      String(cString: PQerrorMessage(handle)).contains("unsupported startup parameter")
    {
      // PgBouncer (1.18) refuses `options`: a transaction pooler, so connect without it.
      PQfinish(handle)
      handle = try Self.connect(conninfo, options: nil)
      pooled = true
    }
    guard PQstatus(handle) == CONNECTION_OK else {
      let message = String(cString: PQerrorMessage(handle)).trimmingTrailingNewlines
      PQfinish(handle)
      throw PostgresError(kind: .connection, message: message)
    }
    // libpq prints server notices ("role … is already a member…") to standard error by default;
    // they are informational, and a service's output is its structured log, so they are dropped.
    PQsetNoticeProcessor(handle, { _, _ in }, nil)
    self.handle = handle
    self.pooled = pooled
    self.cancelHandle = PQgetCancel(handle)
    self.createdAt = .now()
    self.lastUsed = .now()
  }

  /// `PQconnectdbParams` with the keepalive defaults, the caller's conninfo and `options`.
  private static func connect(
    _ conninfo: String,
    options: String?
  ) throws(PostgresError) -> OpaquePointer {
    var keywords = Self.keepaliveDefaults.map(\.keyword) + ["dbname"]
    var values = Self.keepaliveDefaults.map(\.value) + [conninfo]
    if let options {
      keywords.append("options")
      values.append(options)
    }
    let connected = Self.withCStrings(keywords) { keywordPointers in
      Self.withCStrings(values) { valuePointers in
        PQconnectdbParams(keywordPointers + [nil], valuePointers + [nil], 1)
      }
    }
    guard let connected else {
      throw PostgresError(kind: .connection, message: "libpq could not allocate a connection")
    }
    return connected
  }

  /// Whether a transaction-mode pooler (PgBouncer) stands between us and PostgreSQL: detected
  /// when the pooler refuses the `options` startup parameter (PgBouncer 1.18 does), or forced
  /// with `ERP_DATABASE_POOLED=1` (a pooler told to ignore `options`, or a newer one).
  ///
  /// Then each transaction may run on a different server backend, and named prepared statements,
  /// which live in one backend, break: the next transaction's `erp_3` is on a backend that never
  /// prepared it ("prepared statement does not exist", 26000, which also aborts the transaction
  /// it is in, so running it again unprepared is too late), or a backend another client already
  /// prepared `erp_0` on is handed to us ("prepared statement already exists", 42P05). Pooled
  /// connections therefore run every statement as the unnamed statement (`PQexecParams`:
  /// Parse, Bind and Execute sent together), which lives only until the next Parse and never
  /// outlives a transaction. The cost is one parse per call. The time zone comes from the
  /// pool's `SET TIME ZONE` at connect and from the server's default after each `RESET ALL`,
  /// so a pooled server runs with `timezone = 'UTC'`.
  let pooled: Bool

  deinit {
    if let cancelHandle { PQfreeCancel(cancelHandle) }
    PQfinish(self.handle)
  }

  /// Idle 15 s before the first probe, then one every 5 s, 3 unanswered probes end it; data
  /// unacknowledged for 30 s ends it too (`tcp_user_timeout`, milliseconds).
  static let keepaliveDefaults: [(keyword: String, value: String)] = [
    ("keepalives", "1"), ("keepalives_idle", "15"), ("keepalives_interval", "5"),
    ("keepalives_count", "3"), ("tcp_user_timeout", "30000"),
  ]

  var isBroken: Bool { PQstatus(self.handle) != CONNECTION_OK }

  /// Not inside a transaction (and no statement running): safe to hand to another caller.
  var isIdle: Bool { PQtransactionStatus(self.handle) == PQTRANS_IDLE }

  /// Whether a cancel was sent (or a statement refused for cancellation): the pool closes such
  /// a connection rather than reuse it, since a late cancel could hit the next caller's query.
  var cancelRequested: Bool { self.cancelled.withLockedValue { $0 } }

  /// Marks the connection for closing without sending a cancel.
  func markCancelled() { self.cancelled.withLockedValue { $0 = true } }

  /// Asks the server to cancel the statement running on this connection (`PQcancel`, which
  /// opens a connection of its own and so blocks: run on NIO's shared thread pool, not here).
  /// The running call then fails with SQLSTATE 57014.
  func requestCancel() {
    self.markCancelled()
    NIOThreadPool.singleton.submit { _ in
      guard let cancelHandle = self.cancelHandle else { return }
      var message = [CChar](repeating: 0, count: 256)
      _ = PQcancel(cancelHandle, &message, Int32(message.count))
    }
  }

  /// The value of a connection option in use (`PQconninfo`), e.g. "keepalives".
  func option(_ keyword: String) -> String? {
    guard let options = PQconninfo(self.handle) else { return nil }
    defer { PQconninfoFree(options) }
    var index = 0
    while let name = options[index].keyword {
      if String(cString: name) == keyword { return options[index].val.map { String(cString: $0) } }
      index += 1
    }
    return nil
  }

  /// Whether the server has sent something to this connection while it sat idle. libpq reads
  /// every answer to the end before a call returns, and our sessions never LISTEN, so an idle
  /// socket has nothing to read unless the server is closing it (PostgreSQL stopped or
  /// restarted, the backend terminated): its FATAL message and end of stream wait there, and
  /// libpq would only find out by failing the next query. One non-blocking `poll` tells.
  var serverSpokeWhileIdle: Bool {
    let fd = PQsocket(self.handle)
    guard fd >= 0 else { return true }
    var watched = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&watched, 1, 0) != 0
  }

  /// Statements prepared on this connection, by SQL text. A statement is parsed once per
  /// connection and then only bound and executed: the server's parse (and, for generic plans,
  /// planning) work per call goes. PostgreSQL re-plans a prepared statement by itself when the
  /// search_path or a table it uses changes, so tenant switching stays correct. Bounded: past
  /// `maximumPrepared` distinct texts, further ones run unprepared.
  private var prepared: [String: String] = [:]
  /// Names are never reused, even for a statement dropped from `prepared`.
  private var preparedCount = 0
  static let maximumPrepared = 500

  /// Runs one parameterized statement (`$1`, `$2`, …; values in text format, nil for NULL).
  func query(_ sql: String, _ parameters: [String?]) throws(PostgresError) -> [PostgresRow] {
    self.lastUsed = .now()
    if !self.pooled, let name = try self.preparedName(for: sql) {
      do {
        return try self.collect(
          Self.withCStrings(parameters) { pointers in
            PQexecPrepared(self.handle, name, Int32(pointers.count), pointers, nil, nil, 0)
          }
        )
      } catch  where error.invalidatesPreparedStatement {
        self.prepared[sql] = nil  // e.g. a table changed shape under it: run it fresh
      }
    }
    let result = Self.withCStrings(parameters) { pointers in
      PQexecParams(self.handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
    }
    return try self.collect(result)
  }

  /// The prepared statement for `sql`, preparing it first if needed (one round trip, once).
  /// Nil when the cache is full or inside a failed transaction (then the caller runs it
  /// unprepared, and gets the server's own error).
  private func preparedName(for sql: String) throws(PostgresError) -> String? {
    if let name = self.prepared[sql] { return name }
    guard self.prepared.count < Self.maximumPrepared,
      PQtransactionStatus(self.handle) != PQTRANS_INERROR
    else { return nil }
    let name = "erp_\(self.preparedCount)"
    self.preparedCount += 1
    _ = try self.collect(PQprepare(self.handle, name, sql, 0, nil))
    self.prepared[sql] = name
    return name
  }

  /// Runs one or more statements without parameters in one round trip (simple protocol). Only
  /// for fixed SQL or identifiers that were validated (tenant slugs): never for user input.
  func execute(_ sql: String) throws(PostgresError) {
    self.lastUsed = .now()
    _ = try self.collect(PQexec(self.handle, sql))
  }

  /// Runs `statements` in libpq's pipeline mode: all are sent, then one sync, so the batch costs
  /// one round trip instead of one per statement. The server runs them in order; after the first
  /// failure the rest are skipped (PGRES_PIPELINE_ABORTED) and that failure is thrown. Batches are
  /// meant to be small (a transaction's worth): in blocking mode libpq sends everything before
  /// reading, so a batch whose answers overflow the socket buffers in both directions could stall.
  func pipeline(
    _ statements: [(sql: String, parameters: [String?])]
  ) throws(PostgresError)
    -> [[PostgresRow]]
  {
    self.lastUsed = .now()
    guard PQenterPipelineMode(self.handle) == 1 else { throw self.connectionError() }
    defer { PQexitPipelineMode(self.handle) }
    // Statements not yet prepared are prepared in the same pipeline, just before their first
    // execution; each prepare adds one result to read.
    var preparing: [Int: (sql: String, name: String)] = [:]
    var names: [String?] = []
    var planned = self.prepared
    let canPrepare = !self.pooled && PQtransactionStatus(self.handle) != PQTRANS_INERROR
    for statement in statements {
      if let name = planned[statement.sql] {
        names.append(name)
      } else if canPrepare && planned.count < Self.maximumPrepared {
        let name = "erp_\(self.preparedCount)"
        self.preparedCount += 1
        planned[statement.sql] = name
        preparing[names.count] = (statement.sql, name)
        names.append(name)
      } else {
        names.append(nil)
      }
    }
    for (index, statement) in statements.enumerated() {
      if let prepare = preparing[index] {
        guard PQsendPrepare(self.handle, prepare.name, prepare.sql, 0, nil) == 1 else {
          throw self.connectionError()
        }
      }
      let sent = Self.withCStrings(statement.parameters) { pointers in
        if let name = names[index] {
          return PQsendQueryPrepared(
            self.handle,
            name,
            Int32(pointers.count),
            pointers,
            nil,
            nil,
            0
          )
        }
        return PQsendQueryParams(
          self.handle,
          statement.sql,
          Int32(pointers.count),
          nil,
          pointers,
          nil,
          nil,
          0
        )
      }
      guard sent == 1 else { throw self.connectionError() }
    }
    guard PQpipelineSync(self.handle) == 1 else { throw self.connectionError() }

    var results: [[PostgresRow]] = []
    var failure: PostgresError?
    for index in statements.indices {
      if let prepare = preparing[index] {
        guard let result = PQgetResult(self.handle) else { throw self.connectionError() }
        let status = PQresultStatus(result)
        if status == PGRES_COMMAND_OK {
          self.prepared[prepare.sql] = prepare.name
          PQclear(result)
        } else if status == PGRES_PIPELINE_ABORTED {
          PQclear(result)
        } else {
          do { _ = try self.collect(result) } catch { failure = failure ?? error }
        }
        while let extra = PQgetResult(self.handle) { PQclear(extra) }
      }
      guard let result = PQgetResult(self.handle) else { throw self.connectionError() }
      if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
        PQclear(result)
        results.append([])
      } else {
        do {
          results.append(try self.collect(result))
        } catch {
          if error.invalidatesPreparedStatement { self.prepared[statements[index].sql] = nil }
          failure = failure ?? error
          results.append([])
        }
      }
      // Each statement's results end with a NULL.
      while let extra = PQgetResult(self.handle) { PQclear(extra) }
    }
    guard let sync = PQgetResult(self.handle) else { throw self.connectionError() }
    let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
    PQclear(sync)
    guard synced else {
      throw PostgresError(kind: .connection, message: "pipeline ended without its sync point")
    }
    if let failure { throw failure }
    return results
  }

  private func connectionError() -> PostgresError {
    PostgresError(
      kind: .connection,
      message: String(cString: PQerrorMessage(self.handle)).trimmingTrailingNewlines
    )
  }

  private func collect(_ result: OpaquePointer?) throws(PostgresError) -> [PostgresRow] {
    guard let result else {
      throw PostgresError(
        kind: .connection,
        message: String(cString: PQerrorMessage(self.handle)).trimmingTrailingNewlines
      )
    }
    defer { PQclear(result) }
    switch PQresultStatus(result) {
    case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
      return []
    case PGRES_TUPLES_OK:
      let columnCount = Int(PQnfields(result))
      var columns: [String: Int] = [:]
      for index in 0..<columnCount {
        columns[String(cString: PQfname(result, Int32(index)))] = index
      }
      let rowCount = Int(PQntuples(result))
      var rows: [PostgresRow] = []
      rows.reserveCapacity(rowCount)
      for row in 0..<rowCount {
        var values: [String?] = []
        values.reserveCapacity(columnCount)
        for column in 0..<columnCount {
          if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
            values.append(nil)
          } else {
            values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
          }
        }
        rows.append(PostgresRow(columns: columns, values: values))
      }
      return rows
    default:
      func field(_ code: UInt8) -> String? {
        PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
      }
      let sqlState = field(UInt8(ascii: "C"))
      let message =
        field(UInt8(ascii: "M"))
        ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
      throw PostgresError(
        kind: self.isBroken && sqlState == nil ? .connection : .server,
        sqlState: sqlState,
        message: message,
        detail: field(UInt8(ascii: "D")),
        constraint: field(UInt8(ascii: "n"))
      )
    }
  }

  /// Calls `body` with C strings for `values`, alive for the call's duration.
  private static func withCStrings<R>(
    _ values: [String?],
    _ body: ([UnsafePointer<CChar>?]) -> R
  ) -> R {
    var storage: [UnsafeMutablePointer<CChar>?] = values.map { $0.map { strdup($0) } }
    defer { for pointer in storage { free(pointer) } }
    return storage.withUnsafeMutableBufferPointer { buffer in
      body(buffer.map { UnsafePointer($0) })
    }
  }
}

extension String {
  var trimmingTrailingNewlines: String {
    var text = self
    while text.last == "\n" { text.removeLast() }
    return text
  }
}

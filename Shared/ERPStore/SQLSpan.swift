import Tracing

/// The span of one statement or pipeline (OpenTelemetry's database conventions): named after
/// the statement's operation (`SELECT`, `INSERT` …; a pipeline after its last statement, the
/// one the caller wrote: the first ones enter the tenant), with `db.system` `postgresql`,
/// `db.statement` the text as written (our statements take every value as a `$n` parameter,
/// so the text never holds one, and the parameters are never recorded) and `erp.tenant` when
/// the pool knows the tenant. A failure records only its SQLSTATE: a server's message can
/// quote a value.
enum SQLSpan {
  static func run<T>(
    _ statements: [String],
    tenant: TenantID?,
    _ tracer: ServiceTracer,
    _ body: () async throws -> T
  ) async throws -> T {
    guard let span = tracer.startSpan(Self.operation(statements.last ?? ""), ofKind: .client)
    else { return try await body() }
    defer { span.end() }
    Self.describe(span, statements, tenant: tenant)
    if statements.count > 1 { span.attributes["db.operation.batch.size"] = statements.count }
    return try await Self.failing(span, body)
  }

  /// The span of one transaction (`TRANSACTION`): its BEGIN pipeline (`begin`: the isolation
  /// level, entering the tenant, the statement timeout) and its COMMIT or ROLLBACK are the
  /// span's own round trips, the statements `body` runs are its children. One span where there
  /// were three (BEGIN, the statements, COMMIT): a traced call costs fewer spans, and a trace
  /// still shows each statement and the time the transaction held its connection.
  static func transaction<T>(
    _ begin: @autoclosure () -> [String],
    tenant: TenantID?,
    _ tracer: ServiceTracer,
    _ body: () async throws -> T
  ) async throws -> T {
    guard let span = tracer.startSpan("TRANSACTION", ofKind: .client) else {
      return try await body()
    }
    defer { span.end() }
    Self.describe(span, begin() + ["COMMIT"], tenant: tenant)
    return try await ServiceContext.withValue(span.context) { try await Self.failing(span, body) }
  }

  private static func describe(_ span: any Span, _ statements: [String], tenant: TenantID?) {
    span.attributes["db.system"] = "postgresql"
    span.attributes["db.statement"] = statements.joined(separator: ";\n")
    if let tenant { span.attributes["erp.tenant"] = tenant.slug }
  }

  /// Runs `body`; a failure marks `span` failed with its SQLSTATE only.
  private static func failing<T>(
    _ span: any Span,
    _ body: () async throws -> T
  ) async throws -> T {
    do {
      return try await body()
    } catch {
      let state = (error as? PostgresError)?.sqlState ?? (error as? StoreError).map { "\($0.kind)" }
      span.attributes["db.response.status_code"] = state ?? "unknown"
      span.setStatus(SpanStatus(code: .error, message: "SQLSTATE \(state ?? "unknown")"))
      throw error
    }
  }

  /// The statement's first word, upper-cased: its operation.
  static func operation(_ sql: String) -> String {
    let word = sql.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ";" }).first
    return word.map { $0.uppercased() } ?? "SQL"
  }
}

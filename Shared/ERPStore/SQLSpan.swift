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
    span.attributes["db.system"] = "postgresql"
    span.attributes["db.statement"] = statements.joined(separator: ";\n")
    if statements.count > 1 { span.attributes["db.operation.batch.size"] = statements.count }
    if let tenant { span.attributes["erp.tenant"] = tenant.slug }
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

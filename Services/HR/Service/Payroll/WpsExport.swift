import ERPProtos
import ERPRuntime
import ERPStore
import Foundation
import GRPCCore

/// Reads an approved run and the employer's WPS settings and builds its salary file
/// (`WpsSalaryFile`); nothing is stored, so asking again with the same creation time gives the
/// same bytes.
enum WpsExport {
  static func file(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_WpsSalaryFileRequest
  ) async throws -> Erp_Hr_V1_WpsSalaryFileResponse {
    let createdAt =
      request.hasCreatedAt
      ? Date(timeIntervalSince1970: TimeInterval(request.createdAt.seconds)) : Date()
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          "SELECT r.year, r.month, r.status, r.currency_code, s.wps_employer_id, "
            + "s.wps_routing_code FROM payroll_run r CROSS JOIN payroll_settings s "
            + "WHERE r.number = $1",
          [request.runID]
        ),
        PostgresStatement(
          """
          SELECT e.number, e.wps_person_id, e.wps_routing_code, e.iban, e.hire_date,
            e.termination_date, p.days_employed, p.net_minor, p.overtime_minor
          FROM payroll_run r JOIN payslip p ON p.run_id = r.id
          JOIN employee e ON e.id = p.employee_id
          WHERE r.number = $1 AND p.net_minor > 0 ORDER BY e.number
          """,
          [request.runID]
        ),
      ])
    }
    guard let run = results[0].first else {
      throw RPCError(code: .notFound, message: "run_id: no payroll run \(quoted(request.runID))")
    }
    guard try run.decode("status", as: String.self) == "approved" else {
      throw RPCError(
        code: .failedPrecondition,
        message: "run_id: \(request.runID) is a draft; approve it first"
      )
    }
    let currency: String = try run.decode("currency_code")
    guard currency == "AED" else {
      throw RPCError(
        code: .failedPrecondition,
        message: "run_id: WPS pays in AED; \(request.runID) is in \(currency)"
      )
    }
    let year: Int = try run.decode("year")
    let month: Int = try run.decode("month")
    let first = CalendarDate(year: year, month: month, day: 1)
    let last = CalendarDate(
      year: year,
      month: month,
      day: CalendarDate.days(inYear: year, month: month)
    )
    var records: [WpsSalaryFile.Record] = []
    var expected: Int64 = 0
    for row in results[1] {
      let net: Int64 = try row.decode("net_minor")
      let variable: Int64 = try row.decode("overtime_minor")
      expected += net
      records.append(
        WpsSalaryFile.Record(
          employee: try row.decode("number", as: String.self),
          personID: try row.decode("wps_person_id", as: String.self),
          routingCode: try row.decode("wps_routing_code", as: String.self),
          iban: try row.decode("iban", as: String.self),
          start: max(first, try row.decode("hire_date", as: CalendarDate.self)),
          end: min(
            last,
            try row.decodeIfPresent("termination_date", as: CalendarDate.self) ?? last
          ),
          days: try row.decode("days_employed", as: Int.self),
          fixed: net - variable,
          variable: variable
        )
      )
    }
    let file = try WpsSalaryFile.file(
      employer: .init(
        id: try run.decode("wps_employer_id"),
        routingCode: try run.decode("wps_routing_code"),
        reference: request.employerReference
      ),
      year: year,
      month: month,
      createdAt: createdAt,
      records: records,
      expectedTotal: expected
    )
    var response = Erp_Hr_V1_WpsSalaryFileResponse()
    response.fileName = file.name
    response.content = file.content
    response.records = Int32(records.count)
    response.total = Erp_Common_V1_Money(file.total, currency)
    return response
  }
}

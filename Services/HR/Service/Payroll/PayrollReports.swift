import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Payroll cost by department and month (approved runs), overtime by employee, and the month's
/// GOSI contributions.
enum PayrollReports {
  static func cost(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    year: Int32
  ) async throws
    -> [Erp_Hr_V1_PayrollCostLine]
  {
    try await pool.tenantQuery(
      tenant,
      """
      SELECT d.code, r.month, r.currency_code, sum(p.gross_minor)::bigint AS gross,
        count(*)::integer AS employees
      FROM payroll_run r JOIN payslip p ON p.run_id = r.id JOIN department d ON d.id = p.department_id
      WHERE r.status = 'approved' AND r.year = $1
      GROUP BY d.code, r.month, r.currency_code ORDER BY d.code, r.month
      """,
      [Int(year)]
    ).map { row in
      var line = Erp_Hr_V1_PayrollCostLine()
      line.departmentCode = try row.decode("code")
      line.month = try row.decode("month")
      line.gross = Erp_Common_V1_Money(try row.decode("gross"), try row.decode("currency_code"))
      line.employees = try row.decode("employees")
      return line
    }
  }

  static func overtime(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    year: Int32,
    month: Int32
  )
    async throws -> [Erp_Hr_V1_OvertimeLine]
  {
    guard (1...12).contains(month) else { throw HRValues.invalid("month", "1 to 12") }
    let first = CalendarDate(year: Int(year), month: Int(month), day: 1)
    return try await pool.tenantQuery(
      tenant,
      """
      SELECT e.number, coalesce(nullif(e.name_latin, ''), e.name_arabic) AS name,
        sum(greatest(t.minutes_worked - s.overtime_threshold_minutes, 0))::integer AS overtime
      FROM timesheet_day t JOIN employee e ON e.id = t.employee_id CROSS JOIN payroll_settings s
      WHERE t.work_date >= $1::date AND t.work_date < ($1::date + interval '1 month')
      GROUP BY e.id HAVING sum(greatest(t.minutes_worked - s.overtime_threshold_minutes, 0)) > 0
      ORDER BY overtime DESC, e.number
      """,
      [first]
    ).map { row in
      var line = Erp_Hr_V1_OvertimeLine()
      line.employeeID = try row.decode("number")
      line.employeeName = try row.decode("name")
      line.overtimeMinutes = try row.decode("overtime")
      return line
    }
  }

  /// The month's GOSI contributions from its run's payslips: per employee the contributable
  /// wage and both shares, and the totals (the sums of the lines, as posted to finance).
  static func gosi(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    year: Int32,
    month: Int32
  ) async throws -> Erp_Hr_V1_GosiReportResponse {
    let first = try HRValues.month(year: year, month: month)
    let results = try await pool.withTenant(tenant) { session in
      try await session.pipeline([
        PostgresStatement(
          "SELECT number, status, currency_code FROM payroll_run WHERE year = $1 AND month = $2",
          [first.year, first.month]
        ),
        PostgresStatement(
          """
          SELECT e.number, coalesce(nullif(e.name_latin, ''), e.name_arabic) AS name, p.saudi,
            p.gosi_wage_base_minor, p.social_insurance_minor, p.gosi_employer_minor
          FROM payroll_run r JOIN payslip p ON p.run_id = r.id
          JOIN employee e ON e.id = p.employee_id
          WHERE r.year = $1 AND r.month = $2 ORDER BY e.number
          """,
          [first.year, first.month]
        ),
      ])
    }
    guard let run = results[0].first else {
      throw RPCError(
        code: .notFound,
        message: "month: no payroll run for \(first.year)-\(first.month); run it first"
      )
    }
    let currency: String = try run.decode("currency_code")
    var report = Erp_Hr_V1_GosiReportResponse()
    report.runID = try run.decode("number")
    report.status = try run.decode("status", as: String.self) == "approved" ? .approved : .draft
    report.employees = try results[1].map { row in
      var line = Erp_Hr_V1_GosiLine()
      line.employeeID = try row.decode("number")
      line.employeeName = try row.decode("name")
      line.saudi = try row.decode("saudi")
      line.wageBase = Erp_Common_V1_Money(try row.decode("gosi_wage_base_minor"), currency)
      line.employeeShare = Erp_Common_V1_Money(try row.decode("social_insurance_minor"), currency)
      line.employerShare = Erp_Common_V1_Money(try row.decode("gosi_employer_minor"), currency)
      return line
    }
    func total(_ amount: (Erp_Hr_V1_GosiLine) -> Erp_Common_V1_Money) -> Erp_Common_V1_Money {
      Erp_Common_V1_Money(report.employees.reduce(0) { $0 + amount($1).unitsMinor }, currency)
    }
    report.totalWageBase = total(\.wageBase)
    report.totalEmployeeShare = total(\.employeeShare)
    report.totalEmployerShare = total(\.employerShare)
    report.totalContribution = Erp_Common_V1_Money(
      report.totalEmployeeShare.unitsMinor + report.totalEmployerShare.unitsMinor,
      currency
    )
    return report
  }
}

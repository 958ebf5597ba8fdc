import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Payroll cost by department and month (approved runs), and overtime by employee.
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
}

import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Minutes worked per employee and day; overtime is what passes the tenant's daily threshold.
enum TimesheetDays {
  static func record(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_RecordDayRequest
  )
    async throws -> Erp_Hr_V1_TimesheetDay
  {
    let day = try CalendarDate(request.day, field: "day")
    guard (0...1440).contains(request.minutesWorked) else {
      throw HRValues.invalid("minutes_worked", "0 to 1440, got \(request.minutesWorked)")
    }
    return try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT id, hire_date, termination_date FROM employee WHERE number = $1",
        [request.employeeID]
      )
      guard let employee = rows.first else {
        throw RPCError(
          code: .notFound,
          message: "employee_id: no employee \(quoted(request.employeeID))"
        )
      }
      let hired: CalendarDate = try employee.decode("hire_date")
      let left = try employee.decodeIfPresent("termination_date", as: CalendarDate.self)
      guard hired <= day, left.map({ day <= $0 }) ?? true else {
        throw HRValues.invalid(
          "day",
          "\(request.employeeID) is not employed on \(day.postgresText)"
        )
      }
      let recorded = try await session.query(
        """
        INSERT INTO timesheet_day (employee_id, work_date, minutes_worked) VALUES ($1, $2, $3)
        ON CONFLICT (employee_id, work_date) DO UPDATE SET minutes_worked = EXCLUDED.minutes_worked
        RETURNING greatest(minutes_worked - (SELECT overtime_threshold_minutes FROM payroll_settings), 0)
          AS overtime
        """,
        [try employee.decode("id", as: Int64.self), day, Int(request.minutesWorked)]
      )
      var answer = Erp_Hr_V1_TimesheetDay()
      answer.employeeID = request.employeeID
      answer.day = day.proto
      answer.minutesWorked = request.minutesWorked
      answer.overtimeMinutes = try recorded[0].decode("overtime")
      return answer
    }
  }

  static func month(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_ListTimesheetRequest
  )
    async throws -> Erp_Hr_V1_ListTimesheetResponse
  {
    let start = try HRValues.month(year: request.year, month: request.month)
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT t.work_date, t.minutes_worked,
        greatest(t.minutes_worked - s.overtime_threshold_minutes, 0) AS overtime
      FROM timesheet_day t JOIN employee e ON e.id = t.employee_id CROSS JOIN payroll_settings s
      WHERE e.number = $1 AND t.work_date >= $2::date
        AND t.work_date < ($2::date + interval '1 month')
      ORDER BY t.work_date
      """,
      [request.employeeID, start]
    )
    var response = Erp_Hr_V1_ListTimesheetResponse()
    response.days = try rows.map { row in
      var day = Erp_Hr_V1_TimesheetDay()
      day.employeeID = request.employeeID
      day.day = try row.decode("work_date", as: CalendarDate.self).proto
      day.minutesWorked = try row.decode("minutes_worked")
      day.overtimeMinutes = try row.decode("overtime")
      return day
    }
    response.totalMinutes = response.days.reduce(0) { $0 + $1.minutesWorked }
    response.overtimeMinutes = response.days.reduce(0) { $0 + $1.overtimeMinutes }
    return response
  }
}

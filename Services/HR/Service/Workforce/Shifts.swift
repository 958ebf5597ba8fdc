import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Shifts and who works them. Overlap is the database's to refuse (an exclusion constraint on
/// the employee and the shift's time range); employment dates, the required position and
/// approved leave are checked with the employee's row locked, the same lock leave approval
/// takes, so an assignment and a leave approval cannot cross each other unseen.
enum Shifts {
  static func create(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_CreateShiftRequest
  )
    async throws -> Erp_Hr_V1_Shift
  {
    let requestID = try checkedRequestID(request.requestID)
    let shift = request.shift
    guard shift.endsAt > shift.startsAt, shift.endsAt - shift.startsAt <= 24 * 3600 else {
      throw HRValues.invalid("shift.ends_at", "after starts_at, at most 24 hours later")
    }
    guard shift.location.count <= 200 else {
      throw HRValues.invalid("shift.location", "at most 200 characters")
    }
    let number = try await creatingOnce(
      pool,
      tenant,
      RequestKey("hr.shift", request, id: \.requestID),
      requestIDConstraints: ["shift_request_id_key"]
    ) {
      session in
      let existing = try await session.query(
        "SELECT number FROM shift WHERE request_id = $1",
        [requestID]
      )
      if let row = existing.first { return try row.decode("number", as: String.self) }
      let department = try await HRValues.departmentID(
        session,
        shift.departmentCode,
        field: "shift.department_code"
      )
      var position: Int64? = nil
      if !shift.positionCode.isEmpty {
        let rows = try await session.query(
          "SELECT id FROM position WHERE code = $1",
          [shift.positionCode]
        )
        guard let row = rows.first else {
          throw RPCError(
            code: .notFound,
            message: "shift.position_code: no position \(quoted(shift.positionCode))"
          )
        }
        position = try row.decode("id")
      }
      let rows = try await session.query(
        """
        INSERT INTO shift (number, request_id, department_id, position_id, location, starts_at, ends_at)
        VALUES ('SH-' || lpad(nextval('shift_number')::text, 6, '0'), $1, $2, $3, $4,
          to_timestamp($5), to_timestamp($6))
        RETURNING number
        """,
        [requestID, department, position, shift.location, shift.startsAt, shift.endsAt]
      )
      return try rows[0].decode("number", as: String.self)
    }
    return try await Self.get(pool, tenant, number)
  }

  static func assign(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_AssignShiftRequest
  )
    async throws -> Erp_Hr_V1_Shift
  {
    do {
      try await pool.withTenant(tenant) { session in
        let shifts = try await session.query(
          "SELECT id, position_id, starts_at, ends_at, (starts_at AT TIME ZONE 'UTC')::date AS first_day, "
            + "(ends_at AT TIME ZONE 'UTC')::date AS last_day FROM shift WHERE number = $1",
          [request.shiftID]
        )
        guard let shift = shifts.first else {
          throw RPCError(code: .notFound, message: "shift_id: no shift \(quoted(request.shiftID))")
        }
        let employees = try await session.query(
          "SELECT id, position_id, hire_date, termination_date FROM employee WHERE number = $1 FOR UPDATE",
          [request.employeeID]
        )
        guard let employee = employees.first else {
          throw RPCError(
            code: .notFound,
            message: "employee_id: no employee \(quoted(request.employeeID))"
          )
        }
        let firstDay: CalendarDate = try shift.decode("first_day")
        let lastDay: CalendarDate = try shift.decode("last_day")
        let hired: CalendarDate = try employee.decode("hire_date")
        let left = try employee.decodeIfPresent("termination_date", as: CalendarDate.self)
        guard hired <= firstDay, left.map({ lastDay <= $0 }) ?? true else {
          throw RPCError(
            code: .failedPrecondition,
            message: "employee_id: \(request.employeeID) is not employed on the shift's day"
          )
        }
        if let required = try shift.decodeIfPresent("position_id", as: Int64.self),
          try employee.decodeIfPresent("position_id", as: Int64.self) != required
        {
          throw RPCError(
            code: .failedPrecondition,
            message: "employee_id: \(request.employeeID) does not hold the shift's position"
          )
        }
        let employeeID: Int64 = try employee.decode("id")
        let leave = try await session.query(
          "SELECT number FROM leave_request WHERE employee_id = $1 AND status = 'approved' "
            + "AND first_day <= $3 AND last_day >= $2",
          [employeeID, firstDay, lastDay]
        )
        if let row = leave.first {
          throw RPCError(
            code: .failedPrecondition,
            message:
              "employee_id: \(request.employeeID) is on approved leave "
              + "\(try row.decode("number", as: String.self)) then"
          )
        }
        try await session.query(
          "INSERT INTO shift_assignment (shift_id, employee_id, during) "
            + "SELECT id, $2, tstzrange(starts_at, ends_at) FROM shift WHERE id = $1 "
            + "ON CONFLICT (shift_id, employee_id) DO NOTHING",
          [try shift.decode("id", as: Int64.self), employeeID]
        )
      }
    } catch let error as PostgresError
      where error.sqlState == "23P01" && error.constraint == "shift_assignment_no_overlap"
    {
      throw RPCError(
        code: .failedPrecondition,
        message:
          "employee_id: \(request.employeeID) already works a shift overlapping \(request.shiftID)"
      )
    }
    return try await Self.get(pool, tenant, request.shiftID)
  }

  static func unassign(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_AssignShiftRequest
  )
    async throws -> Erp_Hr_V1_Shift
  {
    _ = try await pool.tenantQuery(
      tenant,
      "DELETE FROM shift_assignment a USING shift s, employee e WHERE a.shift_id = s.id "
        + "AND a.employee_id = e.id AND s.number = $1 AND e.number = $2",
      [request.shiftID, request.employeeID]
    )
    return try await Self.get(pool, tenant, request.shiftID)
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ number: String
  ) async throws
    -> Erp_Hr_V1_Shift
  {
    guard let shift = try await Self.read(pool, tenant, "s.number = $1", [number]).first else {
      throw RPCError(code: .notFound, message: "shift_id: no shift \(quoted(number))")
    }
    return shift
  }

  static func week(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_WeeklyScheduleRequest
  )
    async throws -> [Erp_Hr_V1_Shift]
  {
    let start = try CalendarDate(request.weekStart, field: "week_start")
    try await pool.withTenant(tenant) { session in
      _ = try await HRValues.departmentID(session, request.departmentCode, field: "department_code")
    }
    return try await Self.read(
      pool,
      tenant,
      "d.code = $1 AND s.starts_at >= $2::date AND s.starts_at < $2::date + 7",
      [request.departmentCode, start]
    )
  }

  private static func read(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ condition: String,
    _ parameters: [(any PostgresEncodable)?]
  ) async throws -> [Erp_Hr_V1_Shift] {
    try await pool.tenantQuery(
      tenant,
      """
      SELECT s.number, d.code AS department, coalesce(p.code, '') AS position, s.location,
        extract(epoch FROM s.starts_at)::bigint AS starts_at,
        extract(epoch FROM s.ends_at)::bigint AS ends_at,
        coalesce(array_agg(e.number ORDER BY e.number) FILTER (WHERE e.number IS NOT NULL), '{}')
          AS employees
      FROM shift s JOIN department d ON d.id = s.department_id
      LEFT JOIN position p ON p.id = s.position_id
      LEFT JOIN shift_assignment a ON a.shift_id = s.id
      LEFT JOIN employee e ON e.id = a.employee_id
      WHERE \(condition)
      GROUP BY s.id, d.code, p.code ORDER BY s.starts_at, s.number
      """,
      parameters
    ).map { row in
      var shift = Erp_Hr_V1_Shift()
      shift.id = try row.decode("number")
      shift.departmentCode = try row.decode("department")
      shift.positionCode = try row.decode("position")
      shift.location = try row.decode("location")
      shift.startsAt = try row.decode("starts_at")
      shift.endsAt = try row.decode("ends_at")
      shift.employeeIds = try row.decode("employees")
      return shift
    }
  }
}

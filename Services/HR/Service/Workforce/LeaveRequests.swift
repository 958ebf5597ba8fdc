import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Leave types, requests and decisions. A request counts working days (the tenant's weekend
/// left out) and stays within one calendar year, whose entitlement it draws on. Approval locks
/// the employee's row (as shift assignment does), checks the balance and that no shift is
/// assigned during the leave.
enum LeaveRequests {
  static func createType(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ type: Erp_Hr_V1_LeaveType
  )
    async throws -> Erp_Hr_V1_LeaveType
  {
    guard type.code.wholeMatch(of: /[A-Z0-9_-]{1,20}/) != nil else {
      throw HRValues.invalid("code", "1 to 20 upper-case letters, digits, '_' or '-'")
    }
    let name = try HRValues.name(type.name, field: "name")
    guard (0...366).contains(type.yearlyDays) else {
      throw HRValues.invalid("yearly_days", "0 to 366")
    }
    let key = try RequestKey("hr.leave_type", type, id: \.requestID)
    return try await answeringOnce(pool, tenant, key) { session in
      try await session.query(
        "INSERT INTO leave_type (code, name, yearly_days) VALUES ($1, $2, $3) "
          + "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, yearly_days = EXCLUDED.yearly_days",
        [type.code, name, Int(type.yearlyDays)]
      )
      var created = type
      created.name = name
      return created
    }
  }

  static func request(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_RequestLeaveRequest
  )
    async throws -> Erp_Hr_V1_LeaveRequest
  {
    let requestID = try checkedRequestID(request.requestID)
    let first = try CalendarDate(request.firstDay, field: "first_day")
    let last = try CalendarDate(request.lastDay, field: "last_day")
    guard first <= last else { throw HRValues.invalid("last_day", "before first_day") }
    guard first.year == last.year else {
      throw HRValues.invalid("last_day", "a request stays within one calendar year; split it")
    }
    let number = try await creatingOnce(
      pool,
      tenant,
      RequestKey("hr.leave_request", request, id: \.requestID),
      requestIDConstraints: ["leave_request_request_id_key"]
    ) {
      session in
      let existing = try await session.query(
        "SELECT number FROM leave_request WHERE request_id = $1",
        [requestID]
      )
      if let row = existing.first { return try row.decode("number", as: String.self) }
      let employee = try await HRValues.employeeID(
        session,
        request.employeeID,
        field: "employee_id"
      )
      let types = try await session.query(
        "SELECT 1 FROM leave_type WHERE code = $1",
        [request.leaveType]
      )
      guard !types.isEmpty else {
        throw RPCError(
          code: .notFound,
          message: "leave_type: no leave type \(quoted(request.leaveType))"
        )
      }
      let days = try await session.query(
        "SELECT count(*)::integer AS days FROM generate_series($1::date, $2::date, '1 day') AS d, "
          + "payroll_settings s WHERE extract(isodow FROM d)::integer <> ALL(s.weekend_days)",
        [first, last]
      )[0].decode("days", as: Int.self)
      guard days > 0 else {
        throw HRValues.invalid("first_day", "the period has no working day")
      }
      let rows = try await session.query(
        """
        INSERT INTO leave_request (number, request_id, employee_id, leave_type, first_day, last_day,
          working_days, status, reason)
        VALUES ('LV-' || lpad(nextval('leave_number')::text, 6, '0'), $1, $2, $3, $4, $5, $6,
          'pending', $7)
        RETURNING number
        """,
        [requestID, employee, request.leaveType, first, last, days, request.reason]
      )
      return try rows[0].decode("number", as: String.self)
    }
    return try await Self.get(pool, tenant, number)
  }

  static func approve(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    try await Self.decide(pool, tenant, number, to: "approved") { session, row in
      let employee: Int64 = try row.decode("employee_id")
      let year = try row.decode("first_day", as: CalendarDate.self).year
      let balance = try await session.query(
        """
        SELECT t.yearly_days - coalesce(sum(r.working_days) FILTER (WHERE r.status = 'approved'), 0)
          AS remaining
        FROM leave_type t LEFT JOIN leave_request r ON r.leave_type = t.code
          AND r.employee_id = $1 AND extract(year FROM r.first_day) = $3
        WHERE t.code = $2 GROUP BY t.yearly_days
        """,
        [employee, try row.decode("leave_type", as: String.self), year]
      )[0].decode("remaining", as: Int.self)
      let days: Int = try row.decode("working_days")
      guard days <= balance else {
        throw RPCError(
          code: .failedPrecondition,
          message: "id: \(number) needs \(days) days, \(balance) remain of the year's entitlement"
        )
      }
      let shifts = try await session.query(
        "SELECT s.number FROM shift_assignment a JOIN shift s ON s.id = a.shift_id "
          + "WHERE a.employee_id = $1 AND (s.starts_at AT TIME ZONE 'UTC')::date <= $3 "
          + "AND (s.ends_at AT TIME ZONE 'UTC')::date >= $2 ORDER BY s.starts_at LIMIT 1",
        [
          employee, try row.decode("first_day", as: CalendarDate.self),
          try row.decode("last_day", as: CalendarDate.self),
        ]
      )
      if let shift = shifts.first {
        throw RPCError(
          code: .failedPrecondition,
          message:
            "id: the employee is assigned to shift \(try shift.decode("number", as: String.self)) "
            + "during \(number); unassign it first"
        )
      }
    }
  }

  static func reject(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    number: String
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    try await Self.decide(pool, tenant, number, to: "rejected") { _, _ in }
  }

  /// Pending → `to` after `check`; a request already in `to` is a repeat and succeeds.
  private static func decide(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ number: String,
    to: String,
    check: @escaping @Sendable (PostgresSession, PostgresRow) async throws -> Void
  ) async throws -> Erp_Hr_V1_LeaveRequest {
    try await pool.withTenant(tenant) { session in
      let rows = try await session.query(
        "SELECT r.id, r.employee_id, r.leave_type, r.first_day, r.last_day, r.working_days, r.status "
          + "FROM leave_request r WHERE r.number = $1",
        [number]
      )
      guard let row = rows.first else {
        throw RPCError(code: .notFound, message: "id: no leave request \(quoted(number))")
      }
      // The employee's row first, then the request: the order shift assignment locks in.
      try await session.query(
        "SELECT 1 FROM employee WHERE id = $1 FOR UPDATE",
        [try row.decode("employee_id", as: Int64.self)]
      )
      let status = try await session.query(
        "SELECT status FROM leave_request WHERE number = $1 FOR UPDATE",
        [number]
      )[0].decode("status", as: String.self)
      if status != to {
        guard status == "pending" else {
          throw RPCError(
            code: .failedPrecondition,
            message: "id: \(quoted(number)) is already \(status)"
          )
        }
        try await check(session, row)
        try await session.query(
          "UPDATE leave_request SET status = $2 WHERE number = $1",
          [number, to]
        )
      }
      return try Self.leave(
        try await session.query(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE r.number = $1",
          [number]
        )[0]
      )
    }
  }

  static func balances(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_LeaveBalancesRequest
  )
    async throws -> [Erp_Hr_V1_LeaveBalance]
  {
    guard (1900...9999).contains(request.year) else {
      throw HRValues.invalid("year", "1900 to 9999")
    }
    return try await pool.withTenant(tenant) { session in
      let employee = try await HRValues.employeeID(
        session,
        request.employeeID,
        field: "employee_id"
      )
      return try await session.query(
        """
        SELECT t.code, t.yearly_days,
          coalesce(sum(r.working_days) FILTER (WHERE r.status = 'approved'), 0)::integer AS taken,
          coalesce(sum(r.working_days) FILTER (WHERE r.status = 'pending'), 0)::integer AS pending
        FROM leave_type t LEFT JOIN leave_request r ON r.leave_type = t.code
          AND r.employee_id = $1 AND extract(year FROM r.first_day) = $2
        GROUP BY t.code, t.yearly_days ORDER BY t.code
        """,
        [employee, Int(request.year)]
      ).map { row in
        var balance = Erp_Hr_V1_LeaveBalance()
        balance.leaveType = try row.decode("code")
        balance.entitledDays = try row.decode("yearly_days")
        balance.takenDays = try row.decode("taken")
        balance.pendingDays = try row.decode("pending")
        balance.remainingDays = balance.entitledDays - balance.takenDays
        return balance
      }
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ number: String
  ) async throws
    -> Erp_Hr_V1_LeaveRequest
  {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE r.number = $1",
      [number]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "id: no leave request \(quoted(number))")
    }
    return try Self.leave(row)
  }

  static let source = "leave_request r JOIN employee e ON e.id = r.employee_id"
  static let columns = """
    r.number, e.number AS employee, r.leave_type, r.first_day, r.last_day, r.working_days,
    r.status, r.reason
    """

  static func leave(_ row: PostgresRow) throws -> Erp_Hr_V1_LeaveRequest {
    var leave = Erp_Hr_V1_LeaveRequest()
    leave.id = try row.decode("number")
    leave.employeeID = try row.decode("employee")
    leave.leaveType = try row.decode("leave_type")
    leave.firstDay = try row.decode("first_day", as: CalendarDate.self).proto
    leave.lastDay = try row.decode("last_day", as: CalendarDate.self).proto
    leave.workingDays = try row.decode("working_days")
    leave.status =
      ["pending": .pending, "approved": .approved, "rejected": .rejected][
        try row.decode("status", as: String.self)
      ] ?? .unspecified
    leave.reason = try row.decode("reason")
    return leave
  }
}

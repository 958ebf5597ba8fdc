import ERPMoney
import ERPProtos
import ERPRuntime
import ERPStore
import GRPCCore

/// Employees: hired once per request id, looked up by id by the other services, terminated
/// with a last day. Pay is in the tenant's payroll currency.
enum Employees {
  static func hire(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_HireEmployeeRequest
  )
    async throws -> Erp_Hr_V1_Employee
  {
    let requestID = try checkedRequestID(request.requestID)
    let employee = request.employee
    let arabic = try HRValues.name(
      employee.nameArabic,
      field: "employee.name_arabic",
      required: false
    )
    let latin = try HRValues.name(employee.nameLatin, field: "employee.name_latin", required: false)
    guard !arabic.isEmpty || !latin.isEmpty else {
      throw HRValues.invalid("employee.name_arabic", "an Arabic or a Latin name is required")
    }
    let (identityKind, identity) = try HRValues.identity(
      employee.identityKind,
      employee.identityNumber
    )
    let hired = try CalendarDate(employee.hireDate, field: "employee.hire_date")
    let payType: String
    switch employee.payType {
    case .monthly: payType = "monthly"
    case .hourly: payType = "hourly"
    default: throw HRValues.invalid("employee.pay_type", "monthly or hourly")
    }
    let iban = employee.iban.isEmpty ? "" : try HRValues.iban(employee.iban, field: "employee.iban")
    let saudi: Bool
    switch employee.nationality {
    case .saudi: saudi = true
    case .nonSaudi: saudi = false
    default: saudi = identityKind == "national_id"
    }
    let (personID, routingCode) = try HRValues.wps(
      personID: employee.wpsPersonID,
      routingCode: employee.wpsRoutingCode,
      field: "employee"
    )
    for (money, field) in [
      (employee.payRate, "pay_rate"), (employee.housingAllowance, "housing_allowance"),
      (employee.transportAllowance, "transport_allowance"),
    ] where money.unitsMinor < 0 {
      throw HRValues.invalid("employee.\(field).units_minor", "must not be negative")
    }
    guard employee.payRate.unitsMinor > 0 else {
      throw HRValues.invalid("employee.pay_rate", "required")
    }
    return try await creatingOnce(
      pool,
      tenant,
      RequestKey("hr.employee", request, id: \.requestID),
      requestIDConstraints: ["employee_request_id_key"]
    ) {
      session in
      let existing = try await session.query(
        "SELECT \(Self.columns) FROM \(Self.source) WHERE e.request_id = $1",
        [requestID]
      )
      if let row = existing.first { return try Self.employee(row) }
      let currency = try await PayrollSettingsStore.currency(session)
      for (money, field) in [
        (employee.payRate, "pay_rate"), (employee.housingAllowance, "housing_allowance"),
        (employee.transportAllowance, "transport_allowance"),
      ] where money.unitsMinor != 0 && money.currencyCode != currency {
        throw HRValues.invalid(
          "employee.\(field).currency_code",
          "pay is in the payroll currency \(currency), got \(quoted(money.currencyCode))"
        )
      }
      let department = try await HRValues.departmentID(
        session,
        employee.departmentCode,
        field: "employee.department_code"
      )
      var position: Int64? = nil
      if !employee.positionCode.isEmpty {
        let rows = try await session.query(
          "SELECT id FROM position WHERE code = $1",
          [employee.positionCode]
        )
        guard let row = rows.first else {
          throw RPCError(
            code: .notFound,
            message: "employee.position_code: no position \(quoted(employee.positionCode))"
          )
        }
        position = try row.decode("id")
      }
      var manager: Int64? = nil
      if !employee.managerID.isEmpty {
        manager = try await HRValues.employeeID(
          session,
          employee.managerID,
          field: "employee.manager_id"
        )
      }
      do {
        let rows = try await session.query(
          """
          WITH e AS (
            INSERT INTO employee (number, request_id, name_arabic, name_latin, identity_kind,
              identity_number, hire_date, manager_id, department_id, position_id, pay_type,
              pay_rate_minor, housing_minor, transport_minor, iban, email, saudi, wps_person_id,
              wps_routing_code)
            VALUES ('EMP-' || lpad(nextval('employee_number')::text, 6, '0'), $1, $2, $3, $4, $5,
              $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
            RETURNING *)
          SELECT \(Self.columns) FROM e
          JOIN department d ON d.id = e.department_id
          LEFT JOIN position p ON p.id = e.position_id
          LEFT JOIN employee m ON m.id = e.manager_id
          CROSS JOIN payroll_settings s
          """,
          [
            requestID, arabic, latin, identityKind, identity, hired, manager, department, position,
            payType, employee.payRate.unitsMinor, employee.housingAllowance.unitsMinor,
            employee.transportAllowance.unitsMinor, iban, employee.email.lowercased(), saudi,
            personID, routingCode,
          ]
        )
        let hired = try Self.employee(rows[0])
        try await RecordHistory.append(
          in: session,
          .created,
          type: "employee",
          id: hired.id,
          before: nil,
          after: hired,
          requestID: requestID
        )
        return hired
      } catch let error as PostgresError
        where error.sqlState == "23505" && error.constraint == "employee_identity_key"
      {
        throw RPCError(
          code: .alreadyExists,
          message: "employee.identity_number: another employee has this \(identityKind)"
        )
      }
    }
  }

  static func get(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    id: String
  ) async throws
    -> Erp_Hr_V1_Employee
  {
    let rows = try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) WHERE e.number = $1",
      [id]
    )
    guard let row = rows.first else {
      throw RPCError(code: .notFound, message: "id: no employee \(quoted(id))")
    }
    return try Self.employee(row)
  }

  static func list(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_ListEmployeesRequest
  )
    async throws -> [Erp_Hr_V1_Employee]
  {
    let day = try CalendarDate.orToday(request.employedOn, field: "employed_on")
    return try await pool.tenantQuery(
      tenant,
      "SELECT \(Self.columns) FROM \(Self.source) "
        + "WHERE ($1 = '' OR d.code = $1) AND e.hire_date <= $2 "
        + "AND (e.termination_date IS NULL OR e.termination_date >= $2) "
        + "ORDER BY d.code, e.name_latin, e.name_arabic, e.number",
      [request.departmentCode, day]
    ).map(Self.employee)
  }

  static func terminate(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_TerminateEmployeeRequest
  ) async throws -> Erp_Hr_V1_Employee {
    let lastDay = try CalendarDate(request.lastDay, field: "last_day")
    return try await pool.withTenant(tenant) { session in
      let before = try await session.query(
        "SELECT \(Self.columns) FROM \(Self.source) WHERE e.number = $1 FOR UPDATE OF e",
        [request.id]
      ).first.map(Self.employee)
      let rows = try await session.query(
        "UPDATE employee SET termination_date = $2 WHERE number = $1 AND hire_date <= $2 "
          + "RETURNING id",
        [request.id, lastDay]
      )
      if rows.isEmpty {
        _ = try await HRValues.employeeID(session, request.id, field: "id")
        throw HRValues.invalid("last_day", "before the hire date")
      }
      let terminated = try Self.employee(
        try await session.query(
          "SELECT \(Self.columns) FROM \(Self.source) WHERE e.number = $1",
          [request.id]
        )[0]
      )
      try await RecordHistory.append(
        in: session,
        .statusChanged,
        type: "employee",
        id: terminated.id,
        before: before,
        after: terminated
      )
      return terminated
    }
  }

  static func headcount(
    _ pool: ConnectionPool,
    _ tenant: TenantID,
    _ request: Erp_Hr_V1_HeadcountRequest
  )
    async throws -> Erp_Hr_V1_HeadcountResponse
  {
    let day = try CalendarDate.orToday(request.asOf, field: "as_of")
    let rows = try await pool.tenantQuery(
      tenant,
      """
      SELECT d.code, d.name, count(e.id) FILTER (WHERE e.hire_date <= $1
        AND (e.termination_date IS NULL OR e.termination_date >= $1))::integer AS employees
      FROM department d LEFT JOIN employee e ON e.department_id = d.id
      GROUP BY d.id ORDER BY d.code
      """,
      [day]
    )
    var response = Erp_Hr_V1_HeadcountResponse()
    response.departments = try rows.map { row in
      var line = Erp_Hr_V1_DepartmentHeadcount()
      line.departmentCode = try row.decode("code")
      line.departmentName = try row.decode("name")
      line.employees = try row.decode("employees")
      return line
    }
    response.total = response.departments.reduce(0) { $0 + $1.employees }
    return response
  }

  static let source = """
    employee e JOIN department d ON d.id = e.department_id
    LEFT JOIN position p ON p.id = e.position_id
    LEFT JOIN employee m ON m.id = e.manager_id
    CROSS JOIN payroll_settings s
    """
  static let columns = """
    e.number, e.name_arabic, e.name_latin, e.identity_kind, e.identity_number, e.hire_date,
    e.termination_date, coalesce(m.number, '') AS manager, d.code AS department,
    coalesce(p.code, '') AS position, e.pay_type, e.pay_rate_minor, e.housing_minor,
    e.transport_minor, e.iban, e.email, s.currency_code, e.saudi, e.wps_person_id,
    e.wps_routing_code
    """

  static let identityKinds: [String: Erp_Hr_V1_IdentityKind] = [
    "national_id": .nationalID, "residence_id": .residenceID, "passport": .passport,
  ]

  static func employee(_ row: PostgresRow) throws -> Erp_Hr_V1_Employee {
    var employee = Erp_Hr_V1_Employee()
    let currency: String = try row.decode("currency_code")
    employee.id = try row.decode("number")
    employee.nameArabic = try row.decode("name_arabic")
    employee.nameLatin = try row.decode("name_latin")
    employee.identityKind =
      Self.identityKinds[try row.decode("identity_kind", as: String.self)] ?? .unspecified
    employee.identityNumber = try row.decode("identity_number")
    employee.hireDate = try row.decode("hire_date", as: CalendarDate.self).proto
    if let last = try row.decodeIfPresent("termination_date", as: CalendarDate.self) {
      employee.terminationDate = last.proto
    }
    employee.managerID = try row.decode("manager")
    employee.departmentCode = try row.decode("department")
    employee.positionCode = try row.decode("position")
    employee.payType = try row.decode("pay_type", as: String.self) == "monthly" ? .monthly : .hourly
    employee.payRate = Erp_Common_V1_Money(try row.decode("pay_rate_minor"), currency)
    employee.housingAllowance = Erp_Common_V1_Money(try row.decode("housing_minor"), currency)
    employee.transportAllowance = Erp_Common_V1_Money(try row.decode("transport_minor"), currency)
    employee.iban = try row.decode("iban")
    employee.email = try row.decode("email")
    employee.nationality = try row.decode("saudi", as: Bool.self) ? .saudi : .nonSaudi
    employee.wpsPersonID = try row.decode("wps_person_id")
    employee.wpsRoutingCode = try row.decode("wps_routing_code")
    return employee
  }
}
